"""Domain exceptions, named as Neutron names them: the class name is the error ``type``.

The HTTP edge answers ``{"NeutronError": {"type": <class name>, "message", "detail"}}``
with the class's ``status``. A subclass sets ``template`` (``str.format`` fields) or is
raised with a whole message.
"""

from __future__ import annotations

__all__ = [
    "AddressPairAndPortSecurityRequired",
    "AvailabilityZoneNotFound",
    "Conflict",
    "GatewayConflictWithAllocationPools",
    "HTTPBadRequest",
    "InUse",
    "InvalidInput",
    "InvalidIpForNetwork",
    "InvalidIpForSubnet",
    "IpAddressAlreadyAllocated",
    "IpAddressGenerationFailure",
    "MacAddressInUse",
    "NetworkError",
    "NetworkInUse",
    "NetworkNotFound",
    "NotFound",
    "OutOfBoundsAllocationPool",
    "OverlappingAllocationPools",
    "PolicyNotAuthorized",
    "PortNotFound",
    "PortSecurityAndIPRequiredForSecurityGroups",
    "PortSecurityPortHasSecurityGroup",
    "SecurityGroupCannotRemoveDefault",
    "SecurityGroupCannotUpdateDefault",
    "SecurityGroupDefaultAlreadyExists",
    "SecurityGroupInUse",
    "SecurityGroupNotFound",
    "SecurityGroupRuleExists",
    "SecurityGroupRuleNotFound",
    "SubnetInUse",
    "SubnetNotFound",
    "TagNotFound",
]


class NetworkError(Exception):
    status = 500
    template = "An unknown exception occurred."

    def __init__(self, message: str | None = None, **values: object) -> None:
        super().__init__(message if message is not None else self.template.format(**values))

    @property
    def kind(self) -> str:
        return type(self).__name__


class HTTPBadRequest(NetworkError):
    """Malformed input: an unknown attribute, a value of the wrong type or shape."""

    status = 400


class InvalidInput(HTTPBadRequest):
    template = "Invalid input for operation: {error_message}."

    def __init__(self, error_message: str) -> None:
        super().__init__(error_message=error_message)


class InvalidIpForNetwork(HTTPBadRequest):
    template = (
        "IP address {ip_address} is not a valid IP for any of the subnets on the specified network."
    )


class InvalidIpForSubnet(HTTPBadRequest):
    template = "IP address {ip_address} is not a valid IP for the specified subnet."


class OutOfBoundsAllocationPool(HTTPBadRequest):
    template = "The allocation pool {pool} spans beyond the subnet cidr {subnet_cidr}."


class PolicyNotAuthorized(NetworkError):
    status = 403
    template = "(rule:{action}) is disallowed by policy"


class NotFound(NetworkError):
    status = 404
    template = "The resource could not be found."


class NetworkNotFound(NotFound):
    template = "Network {id} could not be found."


class SubnetNotFound(NotFound):
    template = "Subnet {id} could not be found."


class PortNotFound(NotFound):
    template = "Port {id} could not be found."


class SecurityGroupNotFound(NotFound):
    template = "Security group {id} does not exist"


class SecurityGroupRuleNotFound(NotFound):
    template = "Security group rule {id} does not exist"


class TagNotFound(NotFound):
    template = "Tag {tag} could not be found for {resource} {resource_id}."


class Conflict(NetworkError):
    status = 409
    template = "A conflict occurred."


class InUse(Conflict):
    template = "The resource is in use."


class NetworkInUse(InUse):
    template = (
        "Unable to complete operation on network {id}. There are one or more ports "
        "still in use on the network."
    )


class SubnetInUse(InUse):
    template = (
        "Unable to complete operation on subnet {id}: One or more ports have an IP "
        "allocation from this subnet."
    )


class MacAddressInUse(InUse):
    template = (
        "Unable to complete operation for network {network_id}. The mac address {mac} is in use."
    )


class SecurityGroupInUse(InUse):
    template = "Security Group {id} in use."


class IpAddressGenerationFailure(Conflict):
    template = "No more IP addresses available on network {network_id}."


class IpAddressAlreadyAllocated(Conflict):
    template = "IP address {ip} already allocated in subnet {subnet_id}"


class GatewayConflictWithAllocationPools(Conflict):
    template = "Gateway ip {ip_address} conflicts with allocation pool {pool}"


class OverlappingAllocationPools(Conflict):
    template = "Found overlapping allocation pools: {pool_1} {pool_2} for subnet {subnet_cidr}."


class SecurityGroupRuleExists(Conflict):
    template = "Security group rule already exists. Rule id is {id}."


class SecurityGroupCannotRemoveDefault(Conflict):
    template = "Insufficient rights for removing default security group."


class SecurityGroupCannotUpdateDefault(Conflict):
    template = "Updating default security group not allowed."


class AvailabilityZoneNotFound(NotFound):
    template = "AvailabilityZone {name} could not be found."


class PortSecurityAndIPRequiredForSecurityGroups(HTTPBadRequest):
    template = (
        "Port security must be enabled and port must have an IP address in order to "
        "use security groups."
    )


class PortSecurityPortHasSecurityGroup(Conflict):
    template = (
        "Port has security group associated. Cannot disable port security or IP "
        "address until security group is removed"
    )


class AddressPairAndPortSecurityRequired(Conflict):
    template = "Port Security must be enabled in order to have allowed address pairs on a port."


class SecurityGroupDefaultAlreadyExists(Conflict):
    template = "Default security group already exists."
