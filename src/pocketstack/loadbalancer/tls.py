"""Key-manager secrets turned into HAProxy-ready TLS material, validated as Octavia does.

A certificate bundle ref (``default_tls_container_ref``, ``sni_container_refs``, a pool's
``tls_container_ref``) is a secret holding a PKCS#12 without passphrase or a PEM text
(one leaf, its unencrypted key and chain certificates in any order), or a legacy
certificate container. CA and CRL refs are secrets holding PEM text; a CRL must be
signed by the CA it comes with. The parsers are pure and raise :class:`TlsMaterialError`
(Octavia's ``Validation failure: ...`` details); the loaders fetch through a
:class:`KeyManager` and raise :class:`CertificateRetrievalError` for a ref they cannot
read. The option checks and defaults live in :mod:`.tls_checks` and are re-exported.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Sequence
from typing import Protocol, TypeVar

import httpx
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from pocketstack.common.client import ServiceError
from pocketstack.loadbalancer.amphora.model import CertBundle
from pocketstack.loadbalancer.tls_checks import (
    ALPN_PROTOCOLS,
    DEFAULT_ALPN,
    DEFAULT_TLS_CIPHERS,
    DEFAULT_TLS_VERSIONS,
    TLS_VERSIONS,
    TlsMaterialError,
    check_alpn,
    check_ciphers,
    check_tls_versions,
)
from pocketstack.secrets.client import ContainerRefs

__all__ = [
    "ALPN_PROTOCOLS",
    "DEFAULT_ALPN",
    "DEFAULT_TLS_CIPHERS",
    "DEFAULT_TLS_VERSIONS",
    "TLS_VERSIONS",
    "CertificateRetrievalError",
    "KeyManager",
    "TlsMaterialError",
    "bundle_from_parts",
    "check_alpn",
    "check_ciphers",
    "check_tls_versions",
    "hostnames",
    "load_bundle",
    "load_bundles",
    "load_ca",
    "load_ca_and_crl",
    "load_crl",
    "parse_bundle",
    "parse_ca",
    "parse_crl",
]

# Octavia's own wording (octavia/common/exceptions.py and the API controllers).
UNREADABLE_CERT = "Could not read X509 from PEM"
NEEDS_PASSPHRASE = "Passphrase needed to decrypt key but client did not provide one."
MISMATCHED_KEY = "Key and x509 certificate do not match"
MISSING_SUBJECT = "No CN or DNSName(s) found in certificate. The certificate is invalid."
UNREADABLE_PKCS12 = (
    "The PKCS12 bundle is unreadable. Please check the PKCS12 bundle validity. In addition, "
    "make sure it does not require a pass phrase. Error: {}"
)
INVALID_CA = (
    "The client authentication CA certificate is invalid. It must be a valid x509 PEM "
    "format certificate. Error: {}"
)
INVALID_CRL = (
    "The client authentication certificate revocation list is invalid. It must be a valid "
    "x509 PEM format certificate revocation list. Error: {}"
)
CRL_NOT_FOR_CA = (
    "The CRL specified is not valid for client certificate authority reference supplied."
)

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\n.*?\n-----END \1-----", re.DOTALL)
_IssuerKey = (
    rsa.RSAPublicKey, ec.EllipticCurvePublicKey, dsa.DSAPublicKey,
    ed25519.Ed25519PublicKey, ed448.Ed448PublicKey,
)
_T = TypeVar("_T")


class CertificateRetrievalError(Exception):
    """Refs the key manager would not hand over (Octavia's CertificateRetrievalException)."""

    def __init__(self, refs: Sequence[str]) -> None:
        self.refs = list(refs)
        super().__init__(f"Could not retrieve certificate: {self.refs!r}")


class KeyManager(Protocol):
    """What the loaders need of :class:`pocketstack.secrets.client.KeyManagerClient`."""

    async def payload(self, ref: str) -> tuple[bytes, str]: ...

    async def container(self, ref: str) -> ContainerRefs: ...


# -- pure parsers -----------------------------------------------------------------------


def parse_bundle(payload: bytes) -> CertBundle:
    """A bundle secret's payload (PKCS#12 DER, or PEM parts in any order) as a CertBundle."""
    if b"-----BEGIN" not in payload:
        return _bundle_from_pkcs12(payload)
    certs: list[x509.Certificate] = []
    keys: list[PrivateKeyTypes] = []
    for label, block in _pem_blocks(payload):
        if label == "CERTIFICATE":
            certs.append(_load_cert(block))
        elif label == "PKCS7":
            certs.extend(_load_pkcs7(block))
        elif label.endswith("PRIVATE KEY"):
            keys.append(_load_key(block, None))
    if not certs:
        raise TlsMaterialError(UNREADABLE_CERT)
    if len(keys) != 1:
        found = "no private key" if not keys else f"{len(keys)} private keys"
        raise TlsMaterialError(
            f"The certificate bundle must hold one unencrypted private key; it holds {found}."
        )
    return _assemble(certs, keys[0])


def bundle_from_parts(
    certificate: bytes,
    private_key: bytes,
    intermediates: bytes | None,
    passphrase: bytes | None,
) -> CertBundle:
    """A legacy certificate container's secrets: PEM certificate, PEM key (encrypted with
    ``passphrase`` or not), intermediates as PEM or PKCS#7 (PEM or DER)."""
    if b"-----BEGIN" in certificate:
        certs = [_load_cert(b) for label, b in _pem_blocks(certificate) if label == "CERTIFICATE"]
    else:
        certs = [_load_cert(certificate, der=True)]
    if not certs:
        raise TlsMaterialError(UNREADABLE_CERT)
    key_blocks = [b for label, b in _pem_blocks(private_key) if label.endswith("PRIVATE KEY")]
    key = _load_key(key_blocks[0] if key_blocks else private_key, passphrase or None)
    chain = _parse_intermediates(intermediates) if intermediates else []
    return _assemble([*certs, *chain], key)


def parse_ca(payload: bytes) -> str:
    """A CA secret's payload (one or more PEM x509 certificates) as normalised PEM."""
    try:
        certs = _pem_certs(payload)
    except TlsMaterialError as exc:
        raise TlsMaterialError(INVALID_CA.format(exc)) from None
    if not certs:
        raise TlsMaterialError(INVALID_CA.format("no PEM certificate found"))
    return "".join(_cert_pem(c) for c in certs)


def parse_crl(payload: bytes, ca_pem: str) -> str:
    """A CRL secret's payload (PEM; several CRLs allowed) as normalised PEM, each CRL's
    signature verified with the public key of one of the certificates in ``ca_pem``."""
    blocks = [b for label, b in _pem_blocks(payload) if label == "X509 CRL"]
    if not blocks:
        raise TlsMaterialError(INVALID_CRL.format("no PEM certificate revocation list found"))
    keys = [c.public_key() for c in _pem_certs(ca_pem.encode())]
    out = []
    for block in blocks:
        try:
            crl = x509.load_pem_x509_crl(block)
        except ValueError as exc:
            raise TlsMaterialError(INVALID_CRL.format(exc)) from None
        if not any(_signed_by(crl, key) for key in keys):
            raise TlsMaterialError(CRL_NOT_FOR_CA)
        out.append(crl.public_bytes(serialization.Encoding.PEM).decode())
    return "".join(out)


def hostnames(bundle: CertBundle) -> list[str]:
    """The certificate's subject CN and DNS SANs, lower-cased, once each (SNI names)."""
    cn, dns, _ips = _names(_load_cert(bundle.certificate.encode()))
    return list(dict.fromkeys(name.lower() for name in [*cn, *dns]))


# -- loaders over the key manager -------------------------------------------------------


async def load_bundle(km: KeyManager, ref: str) -> CertBundle:
    """The bundle behind a secret ref or a (legacy) certificate container ref."""
    if "/containers/" in ref:
        parts = await _retrieve([ref], _container_parts(km, ref))
        return bundle_from_parts(*parts)
    return parse_bundle(await _retrieve([ref], _payload(km, ref)))


async def load_bundles(km: KeyManager, refs: Sequence[str]) -> list[CertBundle]:
    """Every bundle, in order; all unreadable refs are named in one error, as Octavia's
    ``_validate_tls_refs`` (invalid material raises at once)."""
    bundles: list[CertBundle] = []
    bad: list[str] = []
    for ref in refs:
        try:
            bundles.append(await load_bundle(km, ref))
        except CertificateRetrievalError:
            bad.append(ref)
    if bad:
        raise CertificateRetrievalError(bad)
    return bundles


async def load_ca(km: KeyManager, ref: str) -> str:
    return parse_ca(await _retrieve([ref], _payload(km, ref)))


async def load_crl(km: KeyManager, ref: str, ca_pem: str) -> str:
    return parse_crl(await _retrieve([ref], _payload(km, ref)), ca_pem)


async def load_ca_and_crl(
    km: KeyManager, ca_ref: str, crl_ref: str | None
) -> tuple[str, str | None]:
    """A CA and its optional CRL, as Octavia's ``_validate_client_ca_and_crl_refs``: both
    fetched first (unreadable refs named together), then parsed and checked."""
    ca_payload: bytes | None = None
    crl_payload: bytes | None = None
    bad: list[str] = []
    try:
        ca_payload = await _retrieve([ca_ref], _payload(km, ca_ref))
    except CertificateRetrievalError:
        bad.append(ca_ref)
    if crl_ref is not None:
        try:
            crl_payload = await _retrieve([crl_ref], _payload(km, crl_ref))
        except CertificateRetrievalError:
            bad.append(crl_ref)
    if bad or ca_payload is None:
        raise CertificateRetrievalError(bad)
    ca_pem = parse_ca(ca_payload)
    return ca_pem, parse_crl(crl_payload, ca_pem) if crl_payload is not None else None


async def _retrieve(refs: list[str], fetch: Awaitable[_T]) -> _T:
    try:
        return await fetch
    except (ServiceError, httpx.HTTPError, KeyError, ValueError):
        raise CertificateRetrievalError(refs) from None


async def _payload(km: KeyManager, ref: str) -> bytes:
    payload, _media_type = await km.payload(ref)
    return payload


async def _container_parts(
    km: KeyManager, ref: str
) -> tuple[bytes, bytes, bytes | None, bytes | None]:
    secrets = (await km.container(ref)).secrets
    optional = {}
    for name in ("intermediates", "private_key_passphrase"):
        optional[name] = await _payload(km, secrets[name]) if name in secrets else None
    return (
        await _payload(km, secrets["certificate"]),
        await _payload(km, secrets["private_key"]),
        optional["intermediates"],
        optional["private_key_passphrase"],
    )


# -- helpers ----------------------------------------------------------------------------


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    text = data.replace(b"\r\n", b"\n")
    return [(m.group(1).decode(), m.group(0) + b"\n") for m in _PEM_BLOCK.finditer(text)]


def _pem_certs(data: bytes) -> list[x509.Certificate]:
    return [_load_cert(b) for label, b in _pem_blocks(data) if label == "CERTIFICATE"]


def _load_cert(data: bytes, *, der: bool = False) -> x509.Certificate:
    try:
        if der:
            return x509.load_der_x509_certificate(data)
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise TlsMaterialError(UNREADABLE_CERT) from None


def _load_pkcs7(data: bytes, *, der: bool = False) -> list[x509.Certificate]:
    try:
        if der:
            return pkcs7.load_der_pkcs7_certificates(data)
        return pkcs7.load_pem_pkcs7_certificates(data)
    except (ValueError, UnsupportedAlgorithm):
        raise TlsMaterialError(UNREADABLE_CERT) from None


def _parse_intermediates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" in data:
        return _pem_certs(data)
    return _load_pkcs7(data, der=b"-----BEGIN PKCS7-----" not in data)


def _load_key(data: bytes, passphrase: bytes | None) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, passphrase)
    except TypeError:
        if passphrase is None:  # encrypted, and no passphrase
            raise TlsMaterialError(NEEDS_PASSPHRASE) from None
        return _load_key(data, None)  # a passphrase for a key that is not encrypted
    except (ValueError, UnsupportedAlgorithm) as exc:
        if passphrase is not None:
            raise TlsMaterialError("The private key passphrase is incorrect.") from None
        raise TlsMaterialError(f"The private key is unreadable: {exc}") from None


def _bundle_from_pkcs12(payload: bytes) -> CertBundle:
    error = ""
    for password in (None, b""):  # no passphrase, or the empty one of `-passout pass:`
        try:
            loaded = pkcs12.load_pkcs12(payload, password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            error = error or str(exc)
            continue
        if loaded.cert is None or loaded.key is None:
            missing = "certificate" if loaded.cert is None else "private key"
            raise TlsMaterialError(UNREADABLE_PKCS12.format(f"it holds no {missing}"))
        extra = [c.certificate for c in loaded.additional_certs]
        return _assemble([loaded.cert.certificate, *extra], loaded.key)
    raise TlsMaterialError(UNREADABLE_PKCS12.format(error))


def _assemble(certs: list[x509.Certificate], key: PrivateKeyTypes) -> CertBundle:
    """The leaf is the certificate whose public key is the key's; the rest, once each and
    ordered from the leaf's issuer upwards where they chain, are the intermediates."""
    want = _spki(key.public_key())
    leaf = next((c for c in certs if _spki(c.public_key()) == want), None)
    if leaf is None:
        raise TlsMaterialError(MISMATCHED_KEY)
    cn, dns, ips = _names(leaf)
    if not (cn or dns or ips):
        raise TlsMaterialError(MISSING_SUBJECT)
    rest: list[x509.Certificate] = []
    for cert in certs:
        if cert != leaf and cert not in rest:
            rest.append(cert)
    chain: list[x509.Certificate] = []
    current = leaf
    while current.issuer != current.subject:
        parent = next((c for c in rest if c.subject == current.issuer), None)
        if parent is None:
            break
        rest.remove(parent)
        chain.append(parent)
        current = parent
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return CertBundle(
        certificate=_cert_pem(leaf),
        private_key=key_pem.decode(),
        intermediates=tuple(_cert_pem(c) for c in [*chain, *rest]),
    )


def _names(cert: x509.Certificate) -> tuple[list[str], list[str], list[str]]:
    """Subject CNs, DNS SANs and IP SANs."""
    cn = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [v for v in cn if isinstance(v, str) and v], [], []
    except ValueError:  # malformed extensions
        raise TlsMaterialError(UNREADABLE_CERT) from None
    return (
        [v for v in cn if isinstance(v, str) and v],
        san.get_values_for_type(x509.DNSName),
        [str(ip) for ip in san.get_values_for_type(x509.IPAddress)],
    )


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _signed_by(crl: x509.CertificateRevocationList, key: PublicKeyTypes) -> bool:
    if not isinstance(key, _IssuerKey):
        return False
    try:
        return crl.is_signature_valid(key)
    except (TypeError, ValueError, UnsupportedAlgorithm):
        return False


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()
