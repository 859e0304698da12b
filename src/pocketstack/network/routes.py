"""The network service's one route table: path -> {METHOD: handler}."""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.network.handlers import (
    extensions,
    networks,
    ports,
    root,
    security_group_rules,
    security_groups,
    subnets,
    tags,
)
from pocketstack.network.handlers.base import NetworkHandler, bind
from pocketstack.network.service import Network

__all__ = ["build_routes"]

_V2 = "/v2.0"
_TAGGED = ("networks", "subnets", "ports", "security-groups")


def build_routes(svc: Network) -> list[Route]:
    def b(table: Mapping[str, NetworkHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in table.items()}

    routes = [
        Route("/", b({"GET": root.versions}), public=True),
        Route(_V2, b({"GET": root.resources}), public=True),
        Route(f"{_V2}/extensions", b({"GET": extensions.list_extensions})),
        Route(f"{_V2}/extensions/{{alias}}", b({"GET": extensions.show_extension})),
        Route(
            f"{_V2}/networks", b({"GET": networks.list_networks, "POST": networks.create_network})
        ),
        Route(
            f"{_V2}/networks/{{id}}",
            b(
                {
                    "GET": networks.show_network,
                    "PUT": networks.update_network,
                    "DELETE": networks.delete_network,
                }
            ),
        ),
        Route(f"{_V2}/subnets", b({"GET": subnets.list_subnets, "POST": subnets.create_subnet})),
        Route(
            f"{_V2}/subnets/{{id}}",
            b(
                {
                    "GET": subnets.show_subnet,
                    "PUT": subnets.update_subnet,
                    "DELETE": subnets.delete_subnet,
                }
            ),
        ),
        Route(f"{_V2}/ports", b({"GET": ports.list_ports, "POST": ports.create_port})),
        Route(
            f"{_V2}/ports/{{id}}",
            b({"GET": ports.show_port, "PUT": ports.update_port, "DELETE": ports.delete_port}),
        ),
        Route(
            f"{_V2}/security-groups",
            b(
                {
                    "GET": security_groups.list_security_groups,
                    "POST": security_groups.create_security_group,
                }
            ),
        ),
        Route(
            f"{_V2}/security-groups/{{id}}",
            b(
                {
                    "GET": security_groups.show_security_group,
                    "PUT": security_groups.update_security_group,
                    "DELETE": security_groups.delete_security_group,
                }
            ),
        ),
        Route(
            f"{_V2}/security-group-rules",
            b(
                {
                    "GET": security_group_rules.list_security_group_rules,
                    "POST": security_group_rules.create_security_group_rule,
                }
            ),
        ),
        Route(
            f"{_V2}/security-group-rules/{{id}}",
            b(
                {
                    "GET": security_group_rules.show_security_group_rule,
                    "DELETE": security_group_rules.delete_security_group_rule,
                }
            ),
        ),
    ]
    for collection in _TAGGED:
        handlers = tags.handlers_for(collection)
        routes.append(Route(f"{_V2}/{collection}/{{id}}/tags", b(handlers["tags"])))
        routes.append(Route(f"{_V2}/{collection}/{{id}}/tags/{{tag}}", b(handlers["tag"])))
    return routes
