"""The load-balancer service: Octavia API v2 on HAProxy (see ``spec/loadbalancer.md``)."""
