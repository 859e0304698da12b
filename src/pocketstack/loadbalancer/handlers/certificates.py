"""Certificate references on listeners and pools, checked at the API as Octavia does: every
ref readable with the service's access, bundles parse with a matching key, CAs parse, CRLs
verify against their CA. TLS defaults (ciphers, versions, ALPN) filled where omitted."""

from __future__ import annotations

from typing import Any

from pocketstack.common.client import ServiceError
from pocketstack.loadbalancer import tls
from pocketstack.loadbalancer.objects.errors import Invalid
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["check_listener_tls", "check_pool_tls", "tls_defaults"]


def tls_defaults(record: Record, spec: dict[str, Any], *, enabled: bool) -> dict[str, Any]:
    """TLS fields ``spec`` leaves out (or sends as null) filled with Octavia's defaults when
    TLS is ``enabled``; checked when given."""
    out: dict[str, Any] = {}
    for name, default in (("tls_ciphers", tls.DEFAULT_TLS_CIPHERS),
                          ("tls_versions", list(tls.DEFAULT_TLS_VERSIONS)),
                          ("alpn_protocols", list(tls.DEFAULT_ALPN))):
        given = spec.get(name, record.get(name))
        if given is None or (name in spec and spec[name] is None):
            out[name] = default if enabled else None
            continue
        try:
            if name == "tls_ciphers":
                tls.check_ciphers(given)
            elif name == "tls_versions":
                tls.check_tls_versions(given)
            else:
                tls.check_alpn(given)
        except tls.TlsMaterialError as error:
            raise Invalid.validation(str(error)) from None
        out[name] = given
    return out


async def _load(svc: LoadBalancerService, what: str, ref: str, ca_pem: str = "") -> str:
    km = svc.key_manager()
    try:
        if what == "bundle":
            return (await tls.load_bundle(km, ref)).certificate
        if what == "ca":
            return await tls.load_ca(km, ref)
        return await tls.load_crl(km, ref, ca_pem)
    except tls.CertificateRetrievalError as error:
        raise Invalid(str(error)) from None
    except tls.TlsMaterialError as error:
        raise Invalid.validation(str(error)) from None
    except ServiceError:
        raise Invalid(f"Could not retrieve certificate: [{ref!r}]") from None


async def check_listener_tls(svc: LoadBalancerService, listener: Record) -> None:
    refs = [listener.get("default_tls_container_ref"), *(listener.get("sni_container_refs") or [])]
    refs = [r for r in refs if r]
    protocol = listener["protocol"]
    if refs and protocol not in ("TERMINATED_HTTPS", "PROMETHEUS"):
        raise Invalid.validation(f"Certificate container references are not allowed on "
                                 f"{protocol} protocol listeners.")
    if protocol == "TERMINATED_HTTPS" and not refs:
        raise Invalid.validation("An SNI or default certificate container reference must be "
                                 "provided for TERMINATED_HTTPS protocol listeners.")
    for ref in refs:
        await _load(svc, "bundle", ref)
    ca_ref, crl_ref = listener.get("client_ca_tls_container_ref"), listener.get(
        "client_crl_container_ref")
    if ca_ref and not refs:
        raise Invalid.validation("An SNI or default certificate container reference must be "
                                 "provided with Client Authentication.")
    if listener.get("client_authentication", "NONE") != "NONE" and not ca_ref:
        raise Invalid.validation("Client authentication setting "
                                 f"{listener['client_authentication']} requires a client CA "
                                 "container reference.")
    if crl_ref and not ca_ref:
        raise Invalid.validation("A client authentication CA reference is required to specify "
                                 "a client authentication revocation list.")
    if ca_ref:
        ca_pem = await _load(svc, "ca", ca_ref)
        if crl_ref:
            await _load(svc, "crl", crl_ref, ca_pem)


async def check_pool_tls(svc: LoadBalancerService, pool: Record) -> None:
    if pool.get("tls_container_ref"):
        await _load(svc, "bundle", pool["tls_container_ref"])
    ca_ref, crl_ref = pool.get("ca_tls_container_ref"), pool.get("crl_container_ref")
    if crl_ref and not ca_ref:
        raise Invalid.validation("A CA reference is required to specify a certificate "
                                 "revocation list.")
    if ca_ref:
        ca_pem = await _load(svc, "ca", ca_ref)
        if crl_ref:
            await _load(svc, "crl", crl_ref, ca_pem)
