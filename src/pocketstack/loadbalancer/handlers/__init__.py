"""HTTP handlers of the load-balancer service, one module per URL noun."""
