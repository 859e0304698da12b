"""Domain objects of the load-balancer service: they own the SQL and raise LbError."""
