"""The load-balancer service's policy rules (Octavia's names and keystone-default-roles
defaults): readers read their project's objects, members change them, admins everything;
flavors, availability zones and providers are readable by anyone authenticated; flavor
profiles, availability zone profiles and amphorae are admin only."""

from __future__ import annotations

__all__ = ["RULES", "rule"]

_ADMIN = "role:admin or role:load-balancer_admin"
_READER = (f"{_ADMIN} or role:load-balancer_global_observer or "
           "((role:reader or role:load-balancer_observer or role:load-balancer_member) "
           "and project_id:%(project_id)s)")
_MEMBER = f"{_ADMIN} or ((role:member or role:load-balancer_member) and project_id:%(project_id)s)"
_ANYONE = ""
_PREFIX = "os_load-balancer_api"


def rule(resource: str, action: str) -> str:
    return f"{_PREFIX}:{resource}:{action}"


def _crud(resource: str, read: str, write: str) -> dict[str, str]:
    rules = {rule(resource, a): read for a in ("get_all", "get_one")}
    rules.update({rule(resource, a): write for a in ("post", "put", "delete")})
    return rules


RULES: dict[str, str] = {
    "context_is_admin": _ADMIN,
    rule("loadbalancer", "get_all-global"): f"{_ADMIN} or role:load-balancer_global_observer",
    rule("loadbalancer", "get_stats"): _READER,
    rule("loadbalancer", "get_status"): _READER,
    rule("loadbalancer", "put_failover"): _ADMIN,
    rule("listener", "get_stats"): _READER,
    rule("quota", "get_all-global"): _ADMIN,
    rule("quota", "get_defaults"): _READER,
    rule("provider", "get_all"): _ANYONE,
    rule("provider-flavor", "get_all"): _ADMIN,
    rule("provider-availability-zone", "get_all"): _ADMIN,
    rule("amphora", "get_all"): _ADMIN,
    rule("amphora", "get_one"): _ADMIN,
    rule("amphora", "delete"): _ADMIN,
    rule("amphora", "put_failover"): _ADMIN,
    rule("amphora", "put_config"): _ADMIN,
    rule("amphora", "get_stats"): _ADMIN,
    **_crud("loadbalancer", _READER, _MEMBER),
    **_crud("listener", _READER, _MEMBER),
    **_crud("pool", _READER, _MEMBER),
    **_crud("member", _READER, _MEMBER),
    **_crud("healthmonitor", _READER, _MEMBER),
    **_crud("l7policy", _READER, _MEMBER),
    **_crud("l7rule", _READER, _MEMBER),
    **_crud("quota", _READER, _ADMIN),
    **_crud("flavor", _ANYONE, _ADMIN),
    **_crud("flavor-profile", _ADMIN, _ADMIN),
    **_crud("availability-zone", _ANYONE, _ADMIN),
    **_crud("availability-zone-profile", _ADMIN, _ADMIN),
}
