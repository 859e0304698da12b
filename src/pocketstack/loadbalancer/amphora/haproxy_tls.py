"""TLS on HAProxy lines: bind options for terminating listeners, server options for pools that
re-encrypt, and the files both refer to (spec §3.4).

Every file is named by the SHA-1 of its content under the load balancer's ``certs/``
directory: certificate PEMs (``cert + key + chain``), CA bundles, CRLs and the crt-lists
(one PEM path a line, the default certificate first, then the SNI ones). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import AmphoraError
from pocketstack.loadbalancer.amphora.model import (
    ListenerConfig,
    LoadBalancerConfig,
    PoolConfig,
)

__all__ = [
    "bind_tls_options",
    "crt_list_text",
    "server_tls_options",
    "sha1_name",
    "split_ciphers",
    "tls_files",
]

_VERSION_FLAGS = {
    "SSLv3": "no-sslv3",
    "TLSv1": "no-tlsv10",
    "TLSv1.1": "no-tlsv11",
    "TLSv1.2": "no-tlsv12",
    "TLSv1.3": "no-tlsv13",
}
_VERIFY = {"NONE": "none", "OPTIONAL": "optional", "MANDATORY": "required"}
_CIPHERS = re.compile(r"^[A-Za-z0-9_+!@=.:-]+$")
_ALPN = re.compile(r"^[A-Za-z0-9./-]+$")


def sha1_name(content: str, suffix: str = ".pem") -> str:
    return hashlib.sha1(content.encode()).hexdigest() + suffix


def _text(content: str) -> str:
    return content if content.endswith("\n") else content + "\n"


def _pem_path(certs: Path, content: str) -> Path:
    return certs / sha1_name(_text(content))


def terminates_tls(listener: ListenerConfig) -> bool:
    return listener.protocol == "TERMINATED_HTTPS" or (
        listener.protocol == "PROMETHEUS" and listener.default_cert is not None
    )


def crt_list_text(listener: ListenerConfig, certs: Path) -> str:
    bundles = [listener.default_cert, *listener.sni_certs]
    return "".join(f"{_pem_path(certs, b.pem())}\n" for b in bundles if b is not None)


def split_ciphers(ciphers: str) -> tuple[str, str]:
    """An OpenSSL cipher string -> (TLSv1.2-and-below ``ciphers``, TLSv1.3 ``ciphersuites``):
    TLSv1.3 suite names start with ``TLS_``."""
    if not _CIPHERS.match(ciphers):
        raise AmphoraError(f"tls_ciphers {ciphers!r} is not an OpenSSL cipher string")
    names = [name for name in ciphers.split(":") if name]
    legacy = ":".join(n for n in names if not n.startswith("TLS_"))
    suites = ":".join(n for n in names if n.startswith("TLS_"))
    return legacy, suites


def _protocol_words(
    ciphers: str | None, versions: tuple[str, ...], alpn: tuple[str, ...]
) -> list[str]:
    words: list[str] = []
    if ciphers:
        legacy, suites = split_ciphers(ciphers)
        words += [f"ciphers {legacy}"] if legacy else []
        words += [f"ciphersuites {suites}"] if suites else []
    if versions:
        unknown = set(versions) - _VERSION_FLAGS.keys()
        if unknown:
            raise AmphoraError(f"unknown tls_versions {sorted(unknown)}")
        words += [flag for version, flag in _VERSION_FLAGS.items() if version not in versions]
    if alpn:
        if not all(_ALPN.match(p) for p in alpn):
            raise AmphoraError(f"alpn_protocols {list(alpn)} are not protocol ids")
        words.append("alpn " + ",".join(alpn))
    return words


def bind_tls_options(listener: ListenerConfig, certs: Path) -> str:
    """What follows ``bind <vip>:<port>`` on a listener that terminates TLS ("" otherwise)."""
    if not terminates_tls(listener):
        return ""
    if listener.default_cert is None:
        raise AmphoraError(f"listener {listener.id} terminates TLS without a certificate")
    crt_list = certs / sha1_name(crt_list_text(listener, certs), ".crt-list")
    words = ["ssl", f"crt-list {crt_list}"]
    if listener.client_ca_pem:
        verify = _VERIFY.get(listener.client_authentication)
        if verify is None:
            raise AmphoraError(f"unknown client_authentication {listener.client_authentication}")
        words.append(f"ca-file {_pem_path(certs, listener.client_ca_pem)} verify {verify}")
        if listener.client_crl_pem:
            words.append(f"crl-file {_pem_path(certs, listener.client_crl_pem)}")
    words += _protocol_words(listener.tls_ciphers, listener.tls_versions, listener.alpn_protocols)
    return " ".join(words)


def server_tls_options(listener: ListenerConfig, pool: PoolConfig, certs: Path) -> str:
    """The ``ssl ...`` words of a server line in a pool that re-encrypts to its members.

    The SNI sent to members is the one the client presented (``ssl_fc_sni``) only where the
    listener terminates TLS; behind a plain listener there is none to forward, so none is sent.
    """
    words = ["ssl"]
    if pool.client_cert is not None:
        words.append(f"crt {_pem_path(certs, pool.client_cert.pem())}")
    if pool.ca_pem:
        words.append(f"ca-file {_pem_path(certs, pool.ca_pem)} verify required")
        if pool.crl_pem:
            words.append(f"crl-file {_pem_path(certs, pool.crl_pem)}")
    else:
        words.append("verify none")
    if terminates_tls(listener):
        words.append("sni ssl_fc_sni")
    words += _protocol_words(pool.tls_ciphers, pool.tls_versions, pool.alpn_protocols)
    return " ".join(words)


def tls_files(config: LoadBalancerConfig, certs: Path) -> dict[str, str]:
    """File name (in ``certs``) -> content, for every file the rendered configuration names.
    Certificate PEMs hold private keys: the writer must keep them unreadable to others."""
    files: dict[str, str] = {}

    def add(content: str | None, suffix: str = ".pem") -> None:
        if content:
            files[sha1_name(_text(content), suffix)] = _text(content)

    for listener in config.listeners:
        if not terminates_tls(listener) or listener.default_cert is None:
            continue
        for bundle in (listener.default_cert, *listener.sni_certs):
            add(bundle.pem())
        add(crt_list_text(listener, certs), ".crt-list")
        if listener.client_ca_pem:
            add(listener.client_ca_pem)
            add(listener.client_crl_pem)
    for pool in config.pools:
        if pool.tls_enabled:
            add(pool.client_cert.pem() if pool.client_cert else None)
            add(pool.ca_pem)
            add(pool.crl_pem if pool.ca_pem else None)
    return files
