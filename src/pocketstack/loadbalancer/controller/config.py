"""A load balancer's recorded graph turned into the driver's desired state: only enabled
objects that are not being deleted or in ERROR, TLS material read from the key manager."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer import tls
from pocketstack.loadbalancer.amphora.model import (
    AmphoraSpec,
    HealthMonitorConfig,
    L7PolicyConfig,
    L7RuleConfig,
    ListenerConfig,
    LoadBalancerConfig,
    MemberConfig,
    PoolConfig,
    SessionPersistence,
)
from pocketstack.loadbalancer.objects import graph
from pocketstack.loadbalancer.objects.graph import Record

__all__ = ["build_config"]

_SKIP = ("PENDING_DELETE", "ERROR", "DELETED")


def _live(records: list[Record], *, enabled_only: bool = True) -> list[Record]:
    return [r for r in records if r["provisioning_status"] not in _SKIP
            and (r["admin_state_up"] or not enabled_only)]


async def _listener(km: tls.KeyManager, r: Record, policies: list[L7PolicyConfig]
                    ) -> ListenerConfig:
    default_cert = await tls.load_bundle(km, r["default_tls_container_ref"]) \
        if r.get("default_tls_container_ref") else None
    sni = tuple(await tls.load_bundles(km, list(r.get("sni_container_refs") or [])))
    ca = await tls.load_ca(km, r["client_ca_tls_container_ref"]) \
        if r.get("client_ca_tls_container_ref") else None
    crl = await tls.load_crl(km, r["client_crl_container_ref"], ca or "") \
        if r.get("client_crl_container_ref") else None
    return ListenerConfig(
        id=r["id"], protocol=r["protocol"], protocol_port=r["protocol_port"],
        connection_limit=r.get("connection_limit", -1), default_pool_id=r.get("default_pool_id"),
        l7policies=tuple(policies), insert_headers=dict(r.get("insert_headers") or {}),
        timeout_client_data=r.get("timeout_client_data", 50000),
        timeout_member_connect=r.get("timeout_member_connect", 5000),
        timeout_member_data=r.get("timeout_member_data", 50000),
        timeout_tcp_inspect=r.get("timeout_tcp_inspect", 0),
        allowed_cidrs=tuple(r.get("allowed_cidrs") or ()), default_cert=default_cert,
        sni_certs=sni, client_authentication=r.get("client_authentication") or "NONE",
        client_ca_pem=ca, client_crl_pem=crl, tls_ciphers=r.get("tls_ciphers"),
        tls_versions=tuple(r.get("tls_versions") or ()),
        alpn_protocols=tuple(r.get("alpn_protocols") or ()),
        hsts_max_age=r.get("hsts_max_age"),
        hsts_include_subdomains=bool(r.get("hsts_include_subdomains")),
        hsts_preload=bool(r.get("hsts_preload")))


async def _pool(km: tls.KeyManager, r: Record, members: list[Record],
                monitor: Record | None) -> PoolConfig:
    persistence: Any = r.get("session_persistence")
    ca = await tls.load_ca(km, r["ca_tls_container_ref"]) if r.get("ca_tls_container_ref") \
        else None
    return PoolConfig(
        id=r["id"], protocol=r["protocol"], lb_algorithm=r["lb_algorithm"],
        members=tuple(MemberConfig(
            id=m["id"], address=m["address"], protocol_port=m["protocol_port"],
            weight=m.get("weight", 1), backup=bool(m.get("backup")),
            enabled=bool(m["admin_state_up"]), monitor_address=m.get("monitor_address"),
            monitor_port=m.get("monitor_port")) for m in members),
        healthmonitor=None if monitor is None else HealthMonitorConfig(
            id=monitor["id"], type=monitor["type"], delay=monitor["delay"],
            timeout=monitor["timeout"], max_retries=monitor["max_retries"],
            max_retries_down=monitor.get("max_retries_down") or 3,
            http_method=monitor.get("http_method"), url_path=monitor.get("url_path"),
            expected_codes=monitor.get("expected_codes"),
            http_version=monitor.get("http_version"), domain_name=monitor.get("domain_name")),
        session_persistence=SessionPersistence(
            persistence["type"], persistence.get("cookie_name"),
            persistence_timeout=persistence.get("persistence_timeout"),
            persistence_granularity=persistence.get("persistence_granularity"))
        if persistence else None,
        tls_enabled=bool(r.get("tls_enabled")),
        client_cert=await tls.load_bundle(km, r["tls_container_ref"])
        if r.get("tls_container_ref") else None,
        ca_pem=ca,
        crl_pem=await tls.load_crl(km, r["crl_container_ref"], ca or "")
        if r.get("crl_container_ref") else None,
        tls_ciphers=r.get("tls_ciphers"), tls_versions=tuple(r.get("tls_versions") or ()),
        alpn_protocols=tuple(r.get("alpn_protocols") or ()))


async def build_config(conn: AsyncConnection, km: tls.KeyManager, lb: Record,
                       amphorae: tuple[AmphoraSpec, ...],
                       vip_cidr: str | None = None) -> LoadBalancerConfig:
    lb_id = lb["id"]
    rows = {kind: await graph.select(conn, kind, load_balancer_id=lb_id)
            for kind in ("listener", "pool", "member", "healthmonitor", "l7policy", "l7rule")}
    pools = {p["id"]: p for p in _live(rows["pool"])}
    members = _live(rows["member"], enabled_only=False)
    monitors = {m["pool_id"]: m for m in _live(rows["healthmonitor"])}
    rules = _live(rows["l7rule"])
    pool_configs = [await _pool(km, p, [m for m in members if m["pool_id"] == p["id"]],
                                monitors.get(p["id"])) for p in pools.values()]
    listeners = []
    for r in _live(rows["listener"]):
        policies = [L7PolicyConfig(
            id=p["id"], action=p["action"], position=p["position"],
            rules=tuple(L7RuleConfig(id=x["id"], type=x["type"],
                                     compare_type=x["compare_type"], value=x["value"],
                                     key=x.get("key"), invert=bool(x.get("invert")))
                        for x in rules if x["l7policy_id"] == p["id"]),
            redirect_pool_id=p.get("redirect_pool_id") if p.get("redirect_pool_id") in pools
            else None,
            redirect_url=p.get("redirect_url"), redirect_prefix=p.get("redirect_prefix"),
            redirect_http_code=p.get("redirect_http_code"))
            for p in sorted(_live(rows["l7policy"]), key=lambda p: p["position"])
            if p["listener_id"] == r["id"]
            and (p["action"] != "REDIRECT_TO_POOL" or p.get("redirect_pool_id") in pools)]
        listener = await _listener(km, r, policies)
        if listener.default_pool_id not in pools:
            listener = ListenerConfig(**{**listener.__dict__, "default_pool_id": None})
        listeners.append(listener)
    return LoadBalancerConfig(
        id=lb_id, project_id=lb["project_id"], vip_address=lb.get("vip_address") or "",
        topology=lb["topology"], amphorae=amphorae, enabled=bool(lb["admin_state_up"]),
        listeners=tuple(listeners), pools=tuple(pool_configs), vip_cidr=vip_cidr)
