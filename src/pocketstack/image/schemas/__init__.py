"""The image service's JSON schemas: the documents ``/v2/schemas/*`` serve and the request
validators built from them, one module per resource."""
