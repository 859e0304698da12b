"""Network (the Neutron v2.0 API subset): networks, subnets with IPAM, ports, security groups."""
