"""Request schemas of the face recognition service, one module per resource."""
