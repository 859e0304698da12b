"""The words of an HAProxy configuration line built from API values: object names, quoted
values, addresses, tokens. Each refuses (AmphoraError) what would break the line."""

from __future__ import annotations

import ipaddress
import re

from pocketstack.loadbalancer.amphora.base import AmphoraError
from pocketstack.loadbalancer.amphora.model import ListenerConfig

__all__ = ["address", "check_name", "check_token", "listener_mode", "quote"]

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token: header and cookie names
_HTTP_LISTENERS = frozenset({"HTTP", "TERMINATED_HTTPS", "PROMETHEUS"})


def check_name(name: str) -> str:
    """An id used as a proxy or server name (``<pool_id>:<listener_id>`` joins two)."""
    if not _NAME.match(name):
        raise AmphoraError(f"{name!r} cannot name an HAProxy object")
    return name


def check_token(value: str | None, what: str) -> str:
    """A header, cookie or DN field name, used inside a sample fetch."""
    if value is None or not _TOKEN.match(value):
        raise AmphoraError(f"{what} {value!r} is not a token")
    return value


def quote(value: str) -> str:
    """One configuration word holding ``value`` verbatim: single quotes (no variable
    expansion); a quote inside is closed, escaped and reopened, as in a shell."""
    if any(c in value for c in "\r\n\0"):
        raise AmphoraError(f"value {value!r} holds a line break")
    return "'" + value.replace("'", "'\\''") + "'"


def address(host: str, port: int) -> str:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError as error:
        raise AmphoraError(f"{host!r} is not an IP address") from error
    if not 0 < port < 65536:
        raise AmphoraError(f"{port} is not a port")
    return f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"


def listener_mode(listener: ListenerConfig) -> str:
    """``http`` for HTTP, TERMINATED_HTTPS and PROMETHEUS listeners, ``tcp`` for TCP and
    HTTPS. Backends take their listener's mode, the one combination HAProxy always accepts."""
    return "http" if listener.protocol in _HTTP_LISTENERS else "tcp"
