"""The image service's domain objects: they own the SQL and raise domain exceptions."""
