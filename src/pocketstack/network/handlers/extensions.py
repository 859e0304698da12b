"""/v2.0/extensions: the API extensions this service offers, listed and shown by alias."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.network.objects.errors import NotFound
from pocketstack.network.service import Network

__all__ = ["EXTENSIONS", "list_extensions", "show_extension"]

_UPDATED = "2024-01-01T00:00:00-00:00"

# alias -> (name, description)
EXTENSIONS: dict[str, tuple[str, str]] = {
    "allowed-address-pairs": ("Allowed Address Pairs", "Provides allowed address pairs"),
    "availability_zone": ("Availability Zone", "The availability zone extension."),
    "network_availability_zone": (
        "Network Availability Zone",
        "Availability zone support for network.",
    ),
    "binding": ("Port Binding", "Expose port bindings of a virtual port to external application"),
    "external-net": (
        "Neutron external network",
        "Adds external network attribute to network resource.",
    ),
    "empty-string-filtering": (
        "Empty String Filtering Extension",
        "Allow filtering by attributes with empty string value",
    ),
    "filter-validation": (
        "Filter parameters validation",
        "Provides validation on filter parameters.",
    ),
    "network-mtu": ("Network MTU", "Provides MTU attribute for a network resource."),
    "network-mtu-writable": (
        "Network MTU (writable)",
        "Provides a writable MTU attribute for a network resource.",
    ),
    "pagination": ("Pagination support", "Extension that indicates that pagination is enabled."),
    "port-security": ("Port Security", "Provides port security"),
    "port-security-groups-filtering": (
        "Port filtering on security groups",
        "Provides security groups filtering when listing ports",
    ),
    "project-id": (
        "project_id field enabled",
        "Extension that indicates that project_id field is enabled.",
    ),
    "security-group": ("security-group", "The security groups extension."),
    "security-groups-shared-filtering": (
        "Security group filtering on the shared field",
        "Support filtering security groups on the shared field",
    ),
    "sorting": ("Sorting support", "Extension that indicates that sorting is enabled."),
    "standard-attr-description": (
        "standard-attr-description",
        "Extension to add descriptions to standard attributes",
    ),
    "standard-attr-revisions": (
        "Resource revision numbers",
        "This extension will display the revision number of neutron resources.",
    ),
    "standard-attr-tag": (
        "Tag support for resources with standard attribute",
        "Enables to set tag on resources with standard attribute.",
    ),
    "standard-attr-timestamp": (
        "Resource timestamps",
        "Adds created_at and updated_at fields to all Neutron "
        "resources that have Neutron standard attributes.",
    ),
    "stateful-security-group": (
        "Stateful security group",
        "Indicates if the security group is stateful or not",
    ),
    "tag-ports-during-bulk-creation": (
        "Tag Ports During Bulk Creation",
        "Allow to tag ports during bulk creation",
    ),
}


def _extension(alias: str) -> dict[str, object]:
    name, description = EXTENSIONS[alias]
    return {
        "alias": alias,
        "name": name,
        "description": description,
        "updated": _UPDATED,
        "links": [],
    }


async def list_extensions(svc: Network, request: Request) -> Response:
    return json_response({"extensions": [_extension(alias) for alias in sorted(EXTENSIONS)]})


async def show_extension(svc: Network, request: Request) -> Response:
    alias = request.path_params["alias"]
    if alias not in EXTENSIONS:
        raise NotFound(f"Extension with alias {alias} does not exist")
    return json_response({"extension": _extension(alias)})
