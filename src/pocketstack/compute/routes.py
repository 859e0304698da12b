"""The compute service's one route table: path -> {METHOD: handler}.

Every resource is served both as ``/v2.1/...`` and ``/v2.1/{project_id}/...`` (Nova accepts
an optional project id segment; one in the URL must be the token's). The version documents
(``/``, ``/v2``, ``/v2.1``) need no token.
"""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.compute.handlers import (
    aggregates,
    availability_zones,
    cells,
    flavor_access,
    flavor_extra_specs,
    flavors,
    hypervisors,
    instance_actions,
    keypairs,
    limits,
    migrations,
    quota_sets,
    server_actions,
    server_groups,
    server_metadata,
    servers,
    services,
    versions,
)
from pocketstack.compute.handlers.base import ComputeHandler, bind
from pocketstack.compute.service import Compute

__all__ = ["RESOURCES", "build_routes"]

_SRV = "/servers/{server_id}"
_FLV = "/flavors/{flavor_id}"
_AGG = "/os-aggregates/{aggregate_id}"

# Below /v2.1 and /v2.1/{project_id}; literal paths before the placeholders they would match.
RESOURCES: list[tuple[str, Mapping[str, ComputeHandler]]] = [
    ("/servers", {"GET": servers.list_servers, "POST": servers.create_server}),
    ("/servers/detail", {"GET": servers.list_servers_detail}),
    (_SRV, {"GET": servers.show_server, "PUT": servers.update_server,
            "DELETE": servers.delete_server}),
    (f"{_SRV}/action", {"POST": server_actions.server_action}),
    (f"{_SRV}/metadata", {"GET": server_metadata.list_metadata,
                          "POST": server_metadata.update_metadata,
                          "PUT": server_metadata.replace_metadata}),
    (f"{_SRV}/metadata/{{key}}", {"GET": server_metadata.show_metadata_item,
                                  "PUT": server_metadata.set_metadata_item,
                                  "DELETE": server_metadata.delete_metadata_item}),
    (f"{_SRV}/os-instance-actions", {"GET": instance_actions.list_actions}),
    (f"{_SRV}/os-instance-actions/{{request_id}}", {"GET": instance_actions.show_action}),
    (f"{_SRV}/migrations", {"GET": migrations.list_server_migrations}),
    (f"{_SRV}/migrations/{{migration_id}}", {"GET": migrations.show_server_migration}),
    ("/flavors", {"GET": flavors.list_flavors, "POST": flavors.create_flavor}),
    ("/flavors/detail", {"GET": flavors.list_flavors_detail}),
    (_FLV, {"GET": flavors.show_flavor, "PUT": flavors.update_flavor,
            "DELETE": flavors.delete_flavor}),
    (f"{_FLV}/action", {"POST": flavor_access.flavor_action}),
    (f"{_FLV}/os-flavor-access", {"GET": flavor_access.list_flavor_access}),
    (f"{_FLV}/os-extra_specs", {"GET": flavor_extra_specs.list_extra_specs,
                                "POST": flavor_extra_specs.create_extra_specs}),
    (f"{_FLV}/os-extra_specs/{{key}}", {"GET": flavor_extra_specs.show_extra_spec,
                                        "PUT": flavor_extra_specs.update_extra_spec,
                                        "DELETE": flavor_extra_specs.delete_extra_spec}),
    ("/os-keypairs", {"GET": keypairs.list_keypairs, "POST": keypairs.create_keypair}),
    ("/os-keypairs/{keypair_name}", {"GET": keypairs.show_keypair,
                                     "DELETE": keypairs.delete_keypair}),
    ("/os-aggregates", {"GET": aggregates.list_aggregates,
                        "POST": aggregates.create_aggregate}),
    (_AGG, {"GET": aggregates.show_aggregate, "PUT": aggregates.update_aggregate,
            "DELETE": aggregates.delete_aggregate}),
    (f"{_AGG}/action", {"POST": aggregates.aggregate_action}),
    ("/os-availability-zone", {"GET": availability_zones.list_zones}),
    ("/os-availability-zone/detail", {"GET": availability_zones.list_zones_detail}),
    ("/os-server-groups", {"GET": server_groups.list_server_groups,
                           "POST": server_groups.create_server_group}),
    ("/os-server-groups/{group_id}", {"GET": server_groups.show_server_group,
                                      "DELETE": server_groups.delete_server_group}),
    ("/limits", {"GET": limits.show_limits}),
    ("/os-services", {"GET": services.list_services}),
    ("/os-services/{service_id}", {"PUT": services.update_service,
                                   "DELETE": services.delete_service}),
    ("/os-hypervisors", {"GET": hypervisors.list_hypervisors}),
    ("/os-hypervisors/detail", {"GET": hypervisors.list_hypervisors_detail}),
    ("/os-hypervisors/statistics", {"GET": hypervisors.show_statistics}),
    ("/os-hypervisors/{hypervisor_id}", {"GET": hypervisors.show_hypervisor}),
    ("/os-quota-sets/{tenant_id}", {"GET": quota_sets.show_quota_set,
                                    "PUT": quota_sets.update_quota_set,
                                    "DELETE": quota_sets.delete_quota_set}),
    ("/os-quota-sets/{tenant_id}/detail", {"GET": quota_sets.show_detail}),
    ("/os-quota-sets/{tenant_id}/defaults", {"GET": quota_sets.show_defaults}),
    ("/os-quota-class-sets/{class_name}", {"GET": quota_sets.show_class_set,
                                           "PUT": quota_sets.update_class_set}),
    ("/os-migrations", {"GET": migrations.list_migrations}),
    ("/os-cells", {"GET": cells.list_cells}),
    ("/os-cells/{cell_id}/fault", {"PUT": cells.set_fault}),
]


def build_routes(svc: Compute) -> list[Route]:
    def bound(methods: Mapping[str, ComputeHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in methods.items()}

    routes = [
        Route("/", bound({"GET": versions.list_versions}), public=True),
        Route("/v2", bound({"GET": versions.show_v2}), public=True),
        Route("/v2/", bound({"GET": versions.show_v2}), public=True),
        Route("/v2.1", bound({"GET": versions.redirect_v21}), public=True),
        Route("/v2.1/", bound({"GET": versions.show_v21}), public=True),
    ]
    for prefix in ("/v2.1", "/v2.1/{project_id}"):
        routes += [Route(prefix + path, bound(methods)) for path, methods in RESOURCES]
    return routes
