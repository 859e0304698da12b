"""Octavia's TLS defaults and the checks on ``tls_versions``, ``alpn_protocols`` and
``tls_ciphers`` (``octavia/common/validate.py``), as constants and pure functions.

Each check raises :class:`TlsMaterialError`, whose message the API puts after
``Validation failure: ``. ``None`` means "unset" and passes; an empty list does not.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterable, Sequence

__all__ = [
    "ALPN_PROTOCOLS",
    "DEFAULT_ALPN",
    "DEFAULT_TLS_CIPHERS",
    "DEFAULT_TLS_VERSIONS",
    "MAX_TLS_CIPHERS_LENGTH",
    "TLS13_CIPHER_SUITES",
    "TLS_VERSIONS",
    "TlsMaterialError",
    "check_alpn",
    "check_ciphers",
    "check_tls_versions",
]


class TlsMaterialError(ValueError):
    """TLS material or a TLS option is invalid; the message follows ``Validation failure: ``."""


# OWASP "Suite B" (Octavia's default_listener_ciphers and default_pool_ciphers).
DEFAULT_TLS_CIPHERS = (
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
)
DEFAULT_TLS_VERSIONS = ("TLSv1.2", "TLSv1.3")
DEFAULT_ALPN = ("h2", "http/1.1", "http/1.0")

# Oldest first (Octavia's TLS_ALL_VERSIONS): the order a minimum version is checked in.
TLS_VERSIONS = ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
ALPN_PROTOCOLS = ("h2", "http/1.1", "http/1.0")

MAX_TLS_CIPHERS_LENGTH = 2048
# TLSv1.3 suites: OpenSSL configures them apart from the cipher list (HAProxy's
# ``ciphersuites``), so ``SSLContext.set_ciphers`` does not know them.
TLS13_CIPHER_SUITES = frozenset({
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256",
    "TLS_AES_128_CCM_8_SHA256",
})

_CIPHER_WORD = re.compile(r"[A-Za-z0-9_.=+-]+")
_DIRECTIVE = re.compile(r"@STRENGTH|@SECLEVEL=[0-5]")


def check_tls_versions(versions: Sequence[str] | None, *, minimum: str | None = None) -> None:
    """Every version known; with an operator ``minimum``, none older than it."""
    if versions is None:
        return
    if not versions:
        raise TlsMaterialError(
            "Empty TLS version list. Either specify at least one TLS version or remove "
            "this parameter to use the default."
        )
    invalid = [v for v in versions if v not in TLS_VERSIONS]
    if invalid:
        raise TlsMaterialError("Invalid TLS versions: " + ", ".join(invalid))
    if minimum is None:
        return
    floor = TLS_VERSIONS.index(minimum)
    rejected = [v for v in versions if TLS_VERSIONS.index(v) < floor]
    if rejected:
        raise TlsMaterialError(
            "Requested TLS versions are less than the minimum: "
            + ", ".join(rejected) + " < " + minimum
        )


def check_alpn(protocols: Sequence[str] | None) -> None:
    """Every protocol one of ``h2``, ``http/1.1``, ``http/1.0``."""
    if protocols is None:
        return
    if not protocols:
        raise TlsMaterialError(
            "Empty ALPN protocol list. Either specify at least one ALPN protocol or "
            "remove this parameter to use the default."
        )
    invalid = [p for p in protocols if p not in ALPN_PROTOCOLS]
    if invalid:
        raise TlsMaterialError("Invalid ALPN protocol: " + ", ".join(invalid))


def check_ciphers(ciphers: str | None, *, prohibited: Iterable[str] = ()) -> None:
    """An OpenSSL cipher string of at most 2048 characters whose every cipher, alias or
    TLSv1.3 suite OpenSSL knows, and none of which the operator has ``prohibited``."""
    if ciphers is None:
        return
    if len(ciphers) > MAX_TLS_CIPHERS_LENGTH:
        raise TlsMaterialError(
            f"The TLS cipher string is longer than {MAX_TLS_CIPHERS_LENGTH} characters."
        )
    names = [name for name in ciphers.split(":") if name]
    if not names:
        raise TlsMaterialError("The TLS cipher string names no cipher.")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    unknown = [name for name in names if not _known_cipher(context, name)]
    if unknown:
        raise TlsMaterialError(
            "Unknown or unsupported TLS ciphers (not known to OpenSSL): " + ", ".join(unknown)
        )
    banned = set(prohibited)
    rejected = [name for name in names if name in banned]
    if rejected:
        raise TlsMaterialError(
            "The following ciphers have been prohibited by an administrator: "
            + ", ".join(rejected)
        )


def _known_cipher(context: ssl.SSLContext, name: str) -> bool:
    if name in TLS13_CIPHER_SUITES or _DIRECTIVE.fullmatch(name):
        return True
    if name[0] in "!-+":
        # Removing or reordering ciphers never adds one: any well-formed word will do
        # (``!RC4`` must pass even where this OpenSSL has no RC4 left to remove).
        return _CIPHER_WORD.fullmatch(name[1:]) is not None
    if _CIPHER_WORD.fullmatch(name) is None:
        return False
    try:
        context.set_ciphers(name)  # a lone unknown word selects nothing and fails
    except ssl.SSLError:
        return False
    return True
