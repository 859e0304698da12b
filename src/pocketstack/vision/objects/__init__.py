"""Domain objects of the face recognition service: they own the SQL, raise domain errors."""
