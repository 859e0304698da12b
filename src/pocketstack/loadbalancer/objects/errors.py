"""Domain errors, each with the HTTP status and the message Octavia answers with."""

from __future__ import annotations

__all__ = [
    "RESOURCE_NAMES",
    "Conflict",
    "Forbidden",
    "Invalid",
    "LbError",
    "NotFound",
    "NotImplementedByProvider",
]

# Octavia's display names, as its messages spell them.
RESOURCE_NAMES = {
    "loadbalancer": "Load Balancer",
    "listener": "Listener",
    "pool": "Pool",
    "member": "Member",
    "healthmonitor": "Health Monitor",
    "l7policy": "L7 Policy",
    "l7rule": "L7 Rule",
    "flavor": "Flavor",
    "flavorprofile": "Flavor profile",
    "availability_zone": "Availability Zone",
    "availability_zone_profile": "Availability Zone Profile",
    "amphora": "Amphora",
    "provider": "Provider",
}


class LbError(Exception):
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(LbError):
    status = 400

    @classmethod
    def validation(cls, detail: str) -> Invalid:
        return cls(f"Validation failure: {detail}")


class Forbidden(LbError):
    status = 403


class NotFound(LbError):
    status = 404

    @classmethod
    def of(cls, kind: str, id_: str) -> NotFound:
        return cls(f"{RESOURCE_NAMES.get(kind, kind)} {id_} not found.")


class Conflict(LbError):
    status = 409


class NotImplementedByProvider(LbError):
    status = 501
