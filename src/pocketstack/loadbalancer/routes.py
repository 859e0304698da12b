"""The load-balancer service's one route table: path -> {METHOD: handler}.

Every resource is served below both ``/v2.0`` and ``/v2`` (the client uses ``/v2.0``).
"""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.loadbalancer.handlers import (
    amphorae,
    availability_zone_profiles,
    availability_zones,
    flavor_profiles,
    flavors,
    healthmonitors,
    l7policies,
    l7rules,
    listeners,
    loadbalancers,
    members,
    pools,
    providers,
    quotas,
    root,
)
from pocketstack.loadbalancer.handlers.base import LbHandler, bind
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["build_routes"]

_LB = "/lbaas/loadbalancers/{lb_id}"
_POOL = "/lbaas/pools/{pool_id}"
_POLICY = "/lbaas/l7policies/{l7policy_id}"

RESOURCES: list[tuple[str, Mapping[str, LbHandler]]] = [
    ("/lbaas/loadbalancers", {"GET": loadbalancers.list_load_balancers,
                              "POST": loadbalancers.create_load_balancer}),
    (_LB, {"GET": loadbalancers.get_load_balancer, "PUT": loadbalancers.update_load_balancer,
           "DELETE": loadbalancers.delete_load_balancer}),
    (f"{_LB}/status", {"GET": loadbalancers.load_balancer_status}),
    (f"{_LB}/statuses", {"GET": loadbalancers.load_balancer_status}),
    (f"{_LB}/stats", {"GET": loadbalancers.load_balancer_stats}),
    (f"{_LB}/failover", {"PUT": loadbalancers.failover_load_balancer}),
    ("/lbaas/listeners", {"GET": listeners.list_listeners, "POST": listeners.create_listener}),
    ("/lbaas/listeners/{listener_id}", {"GET": listeners.get_listener,
                                        "PUT": listeners.update_listener,
                                        "DELETE": listeners.delete_listener}),
    ("/lbaas/listeners/{listener_id}/stats", {"GET": listeners.listener_stats}),
    ("/lbaas/pools", {"GET": pools.list_pools, "POST": pools.create_pool}),
    (_POOL, {"GET": pools.get_pool, "PUT": pools.update_pool, "DELETE": pools.delete_pool}),
    (f"{_POOL}/members", {"GET": members.list_members, "POST": members.create_member,
                          "PUT": members.batch_update_members}),
    (f"{_POOL}/members/{{member_id}}", {"GET": members.get_member,
                                         "PUT": members.update_member,
                                         "DELETE": members.delete_member}),
    ("/lbaas/healthmonitors", {"GET": healthmonitors.list_health_monitors,
                               "POST": healthmonitors.create_health_monitor}),
    ("/lbaas/healthmonitors/{hm_id}", {"GET": healthmonitors.get_health_monitor,
                                       "PUT": healthmonitors.update_health_monitor,
                                       "DELETE": healthmonitors.delete_health_monitor}),
    ("/lbaas/l7policies", {"GET": l7policies.list_l7policies,
                           "POST": l7policies.create_l7policy}),
    (_POLICY, {"GET": l7policies.get_l7policy, "PUT": l7policies.update_l7policy,
               "DELETE": l7policies.delete_l7policy}),
    (f"{_POLICY}/rules", {"GET": l7rules.list_l7rules, "POST": l7rules.create_l7rule}),
    (f"{_POLICY}/rules/{{l7rule_id}}", {"GET": l7rules.get_l7rule, "PUT": l7rules.update_l7rule,
                                         "DELETE": l7rules.delete_l7rule}),
    # -- admin resources (flavors, availability zones, quotas, providers, amphorae) --
    ("/octavia/amphorae", {"GET": amphorae.list_amphorae}),
    ("/octavia/amphorae/{amphora_id}", {"GET": amphorae.get_amphora,
                                        "DELETE": amphorae.delete_amphora}),
    ("/octavia/amphorae/{amphora_id}/failover", {"PUT": amphorae.failover_amphora}),
    ("/octavia/amphorae/{amphora_id}/config", {"PUT": amphorae.configure_amphora}),
    ("/octavia/amphorae/{amphora_id}/stats", {"GET": amphorae.amphora_stats}),
    ("/lbaas/flavors", {"GET": flavors.list_flavors, "POST": flavors.create_flavor}),
    ("/lbaas/flavors/{flavor_id}", {"GET": flavors.get_flavor, "PUT": flavors.update_flavor,
                                    "DELETE": flavors.delete_flavor}),
    ("/lbaas/flavorprofiles", {"GET": flavor_profiles.list_flavor_profiles,
                               "POST": flavor_profiles.create_flavor_profile}),
    ("/lbaas/flavorprofiles/{flavorprofile_id}", {
        "GET": flavor_profiles.get_flavor_profile, "PUT": flavor_profiles.update_flavor_profile,
        "DELETE": flavor_profiles.delete_flavor_profile}),
    ("/lbaas/availabilityzones", {"GET": availability_zones.list_availability_zones,
                                  "POST": availability_zones.create_availability_zone}),
    ("/lbaas/availabilityzones/{az_name}", {
        "GET": availability_zones.get_availability_zone,
        "PUT": availability_zones.update_availability_zone,
        "DELETE": availability_zones.delete_availability_zone}),
    ("/lbaas/availabilityzoneprofiles", {
        "GET": availability_zone_profiles.list_availability_zone_profiles,
        "POST": availability_zone_profiles.create_availability_zone_profile}),
    ("/lbaas/availabilityzoneprofiles/{azp_id}", {
        "GET": availability_zone_profiles.get_availability_zone_profile,
        "PUT": availability_zone_profiles.update_availability_zone_profile,
        "DELETE": availability_zone_profiles.delete_availability_zone_profile}),
    ("/lbaas/providers", {"GET": providers.list_providers}),
    ("/lbaas/providers/{provider}/flavor_capabilities",
     {"GET": providers.list_flavor_capabilities}),
    ("/lbaas/providers/{provider}/availability_zone_capabilities",
     {"GET": providers.list_availability_zone_capabilities}),
    ("/lbaas/quotas", {"GET": quotas.list_quotas}),
    ("/lbaas/quotas/defaults", {"GET": quotas.get_default_quotas}),
    ("/lbaas/quotas/{project_id}", {"GET": quotas.get_quota, "PUT": quotas.update_quota,
                                    "DELETE": quotas.delete_quota}),
    ("/lbaas/quotas/{project_id}/default", {"GET": quotas.get_project_default_quotas}),
]


def build_routes(svc: LoadBalancerService) -> list[Route]:
    def b(table: Mapping[str, LbHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in table.items()}

    routes = [
        Route("/", b({"GET": root.list_versions}), public=True),
        Route("/v2", b({"GET": root.show_v2}), public=True),
        Route("/v2.0", b({"GET": root.show_v2}), public=True),
    ]
    for prefix in ("/v2.0", "/v2"):
        routes += [Route(prefix + path, b(table)) for path, table in RESOURCES]
    return routes
