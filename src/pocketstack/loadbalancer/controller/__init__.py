"""The load-balancer controller: reconciles recorded load balancers onto their data plane
and watches its health."""
