"""L7 policies and rules: Octavia's consistency rules for actions, dense positions per
listener, and the per-type checks of rules."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.objects import graph
from pocketstack.loadbalancer.objects.errors import Invalid
from pocketstack.loadbalancer.objects.graph import Record

__all__ = ["MAX_RULES", "check_rule", "place", "policy_fields"]

MAX_RULES = 50
_REDIRECTS = ("redirect_pool_id", "redirect_url", "redirect_prefix", "redirect_http_code")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_DN_KEY = re.compile(r"^[a-zA-Z][A-Za-z0-9-]*$")


def policy_fields(spec: dict[str, Any], stored: Record) -> dict[str, Any]:
    """``spec`` made consistent: a redirect pool means REDIRECT_TO_POOL, a URL
    REDIRECT_TO_URL, a prefix REDIRECT_PREFIX; REJECT clears every redirect."""
    out = dict(spec)
    if out.get("redirect_pool_id") and (out.get("redirect_url") or out.get("redirect_prefix")):
        raise Invalid.validation("Cannot specify redirect_pool_id together with redirect_url "
                                 "or redirect_prefix.")
    if out.get("redirect_pool_id"):
        out["action"] = "REDIRECT_TO_POOL"
    elif out.get("redirect_url"):
        out["action"] = "REDIRECT_TO_URL"
    elif out.get("redirect_prefix"):
        out["action"] = "REDIRECT_PREFIX"
    action = str(out.get("action", stored.get("action")))
    merged = {**{k: stored.get(k) for k in _REDIRECTS}, **{k: out[k] for k in _REDIRECTS
                                                            if k in out}}
    keep = {"REDIRECT_TO_POOL": ("redirect_pool_id",),
            "REDIRECT_TO_URL": ("redirect_url", "redirect_http_code"),
            "REDIRECT_PREFIX": ("redirect_prefix", "redirect_http_code")}.get(action, ())
    for name in _REDIRECTS:
        out[name] = merged[name] if name in keep else None
    if action in ("REDIRECT_TO_URL", "REDIRECT_PREFIX"):
        target = "redirect_url" if action == "REDIRECT_TO_URL" else "redirect_prefix"
        if not out[target]:
            raise Invalid.validation(f"{target} must be given for action {action}.")
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", out[target]):
            raise Invalid(f"Invalid input for field/attribute {target}. Value: "
                          f"'{out[target]}'. Not a valid URL.")
        out["redirect_http_code"] = out["redirect_http_code"] or 302
    if action == "REDIRECT_TO_POOL" and not out["redirect_pool_id"]:
        raise Invalid.validation("redirect_pool_id must be given for action REDIRECT_TO_POOL.")
    out["action"] = action
    return out


async def place(conn: AsyncConnection, listener_id: str, policy_id: str,
                position: int | None) -> None:
    """Put ``policy_id`` at ``position`` (last when None or beyond) and renumber 1..N."""
    policies = [p for p in await graph.select(conn, "l7policy", listener_id=listener_id)
                if p["id"] != policy_id]
    policies.sort(key=lambda p: (p["position"], p["created_at"]))
    index = len(policies) if position is None else min(position - 1, len(policies))
    ordered = [p["id"] for p in policies]
    ordered.insert(index, policy_id)
    for number, pid in enumerate(ordered, start=1):
        await graph.update(conn, "l7policy", pid, {"position": number}, touch=pid == policy_id)


def check_rule(rule: Record) -> None:
    kind, compare, value, key = (rule["type"], rule["compare_type"], rule["value"],
                                 rule.get("key"))
    if kind in ("HEADER", "COOKIE", "SSL_DN_FIELD") and not key:
        raise Invalid.validation(f"key is required for rules of type {kind}.")
    if kind in ("SSL_CONN_HAS_CERT", "SSL_VERIFY_RESULT") and key:
        raise Invalid.validation(f"key is not allowed for rules of type {kind}.")
    if kind == "FILE_TYPE" and compare not in ("REGEX", "EQUAL_TO"):
        raise Invalid.validation("FILE_TYPE rules accept only REGEX or EQUAL_TO.")
    if kind == "SSL_CONN_HAS_CERT" and (value != "true" or compare != "EQUAL_TO"):
        raise Invalid.validation("SSL_CONN_HAS_CERT rules need value 'true' and EQUAL_TO.")
    if kind == "SSL_VERIFY_RESULT" and (not value.isdigit() or compare != "EQUAL_TO"):
        raise Invalid.validation("SSL_VERIFY_RESULT rules need a non-negative integer and "
                                 "EQUAL_TO.")
    if kind == "SSL_DN_FIELD" and not _DN_KEY.match(key or ""):
        raise Invalid.validation(f"Invalid SSL DN field name: {key}")
    if kind in ("HEADER", "COOKIE") and not _TOKEN.match(key or ""):
        raise Invalid.validation(f"{key} is not a valid {kind.lower()} name.")
    if compare == "REGEX":
        try:
            re.compile(value)
        except re.error as error:
            raise Invalid.validation(f"Invalid regex {value}: {error}") from None
    elif kind == "COOKIE" and not _TOKEN.match(value):
        raise Invalid.validation(f"{value} is not a valid cookie value.")
