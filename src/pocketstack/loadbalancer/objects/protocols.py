"""Octavia's protocol rules as pure functions: which listener and pool protocols go
together, which listeners share a port, which headers a listener may insert."""

from __future__ import annotations

from pocketstack.loadbalancer.objects.errors import Invalid

__all__ = ["L4", "POOL_PROTOCOLS_FOR", "check_insert_headers", "check_pool_protocol", "l4_of"]

# Listener protocol -> the pool protocols it may use.
POOL_PROTOCOLS_FOR = {
    "TCP": {"HTTP", "HTTPS", "PROXY", "PROXYV2", "TCP"},
    "HTTP": {"HTTP", "PROXY", "PROXYV2"},
    "HTTPS": {"HTTPS", "PROXY", "PROXYV2", "TCP"},
    "TERMINATED_HTTPS": {"HTTP", "PROXY", "PROXYV2"},
    "UDP": {"UDP"},
    "SCTP": {"SCTP"},
    "PROMETHEUS": set(),
}
L4 = {"TCP": "TCP", "HTTP": "TCP", "HTTPS": "TCP", "TERMINATED_HTTPS": "TCP",
      "PROMETHEUS": "TCP", "UDP": "UDP", "SCTP": "SCTP"}
_HTTP_HEADERS = {"X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", "X-Forwarded-IP",
                 "X-Client-IP", "X-Real-IP"}
_SSL_HEADERS = {"X-SSL-Client-Verify", "X-SSL-Client-Has-Cert", "X-SSL-Client-DN",
                "X-SSL-Client-CN", "X-SSL-Issuer", "X-SSL-Client-SHA1",
                "X-SSL-Client-Not-Before", "X-SSL-Client-Not-After"}


def l4_of(protocol: str) -> str:
    return L4.get(protocol, "TCP")


def check_pool_protocol(listener_protocol: str, pool_protocol: str) -> None:
    if listener_protocol == "PROMETHEUS":
        raise Invalid("Protocol PROMETHEUS listeners cannot have child objects.")
    if pool_protocol not in POOL_PROTOCOLS_FOR.get(listener_protocol, set()):
        raise Invalid.validation(
            f"The pool protocol '{pool_protocol}' is invalid while the listener protocol is "
            f"'{listener_protocol}'.")


def check_insert_headers(protocol: str, headers: dict[str, str]) -> None:
    if not headers:
        return
    if protocol not in ("HTTP", "TERMINATED_HTTPS"):
        raise Invalid.validation(f"The protocol {protocol} does not support header insertion.")
    allowed = _HTTP_HEADERS | (_SSL_HEADERS if protocol == "TERMINATED_HTTPS" else set())
    for name, value in headers.items():
        if name not in allowed:
            raise Invalid(f"Invalid input for field/attribute insert_headers. Value: '{name}'. "
                          "Header not supported.")
        if str(value).lower() not in ("true", "false"):
            raise Invalid(f"Invalid input for field/attribute insert_headers. Value: '{value}'.")
