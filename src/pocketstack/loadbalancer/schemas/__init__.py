"""JSON schemas of the load-balancer API's request bodies, one module per resource."""
