"""A tiny PKI for load-balancer tests: CAs, server and client certificates, CRLs, PKCS#12.

Keys are EC P-256 (fast) unless ``rsa=True`` (RSA 2048, for tests that need RSA cipher
names such as ``ECDHE-RSA-*``). Nothing is cached: every call makes fresh keys.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys
from cryptography.hazmat.primitives.serialization import pkcs12 as pkcs12_format
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Ca", "Issued", "issue", "make_ca", "make_crl", "pkcs12", "write_pem"]

SigningKey = ec.EllipticCurvePrivateKey | rsa_keys.RSAPrivateKey

_VALID_FOR = datetime.timedelta(days=30)
_BACKDATE = datetime.timedelta(hours=1)


def _new_key(rsa: bool) -> SigningKey:
    if rsa:
        return rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _key_pem(key: SigningKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _name(common_name: str | None) -> x509.Name:
    if common_name is None:
        return x509.Name([])
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclasses.dataclass(frozen=True)
class Ca:
    """A certificate authority: a root, or an intermediate signed by ``parent``."""

    cert: x509.Certificate
    key: SigningKey
    parent: Ca | None = None

    @property
    def cert_pem(self) -> str:
        return _cert_pem(self.cert)

    @property
    def key_pem(self) -> str:
        return _key_pem(self.key)

    @property
    def path_pem(self) -> str:
        """This CA's certificate followed by its parents' up to the root."""
        return self.cert_pem + (self.parent.path_pem if self.parent else "")


@dataclasses.dataclass(frozen=True)
class Issued:
    """A certificate issued by a :class:`Ca`, with its key and chain (issuer up to root)."""

    cert: x509.Certificate
    key: SigningKey
    chain_pem: str

    @property
    def cert_pem(self) -> str:
        return _cert_pem(self.cert)

    @property
    def key_pem(self) -> str:
        return _key_pem(self.key)

    @property
    def bundle_pem(self) -> str:
        """Certificate, key and chain in one PEM text (HAProxy's ``crt`` file)."""
        return self.cert_pem + self.key_pem + self.chain_pem


def make_ca(name: str, *, parent: Ca | None = None, rsa: bool = False) -> Ca:
    """A self-signed root CA, or an intermediate CA signed by ``parent``."""
    key = _new_key(rsa)
    subject = _name(name)
    issuer_key: SigningKey = parent.key if parent else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(parent.cert.subject if parent else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - _BACKDATE)
        .not_valid_after(_now() + _VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if parent:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()),
            critical=False,
        )
    return Ca(cert=builder.sign(issuer_key, hashes.SHA256()), key=key, parent=parent)


def _general_name(value: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


def issue(
    ca: Ca,
    common_name: str | None,
    *,
    sans: Sequence[str] | None = None,
    client: bool = False,
    rsa: bool = False,
) -> Issued:
    """A server (serverAuth) or client (clientAuth) certificate signed by ``ca``.

    ``sans`` are DNS names or IP addresses (``"127.0.0.1"`` becomes an IPAddress SAN);
    left out, a server certificate gets its common name as its one SAN, a client
    certificate none. ``common_name=None`` leaves the subject empty.
    """
    key = _new_key(rsa)
    if sans is None:
        sans = (common_name,) if common_name and not client else ()
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - _BACKDATE)
        .not_valid_after(_now() + _VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=rsa,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_general_name(s) for s in sans]), critical=False
        )
    cert = builder.sign(ca.key, hashes.SHA256())
    return Issued(cert=cert, key=key, chain_pem=ca.path_pem)


def make_crl(ca: Ca, revoked: Sequence[Issued] = ()) -> str:
    """A PEM CRL signed by ``ca`` revoking ``revoked`` (valid from an hour ago, for a day)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(_now() - _BACKDATE)
        .next_update(_now() + datetime.timedelta(days=1))
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    for item in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(item.cert.serial_number)
            .revocation_date(_now() - _BACKDATE)
            .build()
        )
    crl = builder.sign(ca.key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.PEM).decode()


def pkcs12(issued: Issued, *, passphrase: bytes | None = None) -> bytes:
    """A DER PKCS#12 bundle: certificate, key and chain (encrypted when given a passphrase)."""
    chain = x509.load_pem_x509_certificates(issued.chain_pem.encode())
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return pkcs12_format.serialize_key_and_certificates(
        b"pocketstack-test", issued.key, issued.cert, chain, encryption
    )


def write_pem(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(path, 0o600)
