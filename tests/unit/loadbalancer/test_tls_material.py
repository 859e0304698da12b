"""TLS material from the key manager: bundles, CAs, CRLs, loaders and the TLS option checks."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from tests.lb_pki import Ca, Issued, issue, make_ca, make_crl, pkcs12, write_pem

from pocketstack.common.client import ServiceError
from pocketstack.loadbalancer import tls
from pocketstack.loadbalancer.tls import (
    CertificateRetrievalError,
    TlsMaterialError,
    bundle_from_parts,
    check_alpn,
    check_ciphers,
    check_tls_versions,
    hostnames,
    load_bundle,
    load_bundles,
    load_ca,
    load_ca_and_crl,
    load_crl,
    parse_bundle,
    parse_ca,
    parse_crl,
)
from pocketstack.secrets.client import ContainerRefs, ref_id

KM = "https://km.example:9311"


def _traditional_key(issued: Issued, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return issued.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, encryption
    )


@pytest.fixture
def chain() -> tuple[Ca, Ca, Issued]:
    root = make_ca("root")
    inter = make_ca("intermediate", parent=root)
    return root, inter, issue(inter, "www.example.com")


# -- bundles -------------------------------------------------------------------------------


def test_pkcs12_round_trip(chain: tuple[Ca, Ca, Issued]) -> None:
    root, inter, leaf = chain
    bundle = parse_bundle(pkcs12(leaf))
    assert bundle.certificate == leaf.cert_pem
    assert bundle.private_key == leaf.key_pem  # unencrypted PKCS#8
    assert bundle.intermediates == (inter.cert_pem, root.cert_pem)
    assert bundle.pem() == leaf.cert_pem + leaf.key_pem + inter.cert_pem + root.cert_pem


def test_pem_in_any_order_is_normalised(chain: tuple[Ca, Ca, Issued]) -> None:
    root, inter, leaf = chain
    shuffled = (
        b"some text before\r\n"
        + root.cert_pem.encode()
        + _traditional_key(leaf)
        + inter.cert_pem.encode()
        + leaf.cert_pem.encode()
        + root.cert_pem.encode()  # a duplicate is kept once
    )
    bundle = parse_bundle(shuffled)
    assert bundle.certificate == leaf.cert_pem
    assert bundle.private_key == leaf.key_pem
    assert bundle.intermediates == (inter.cert_pem, root.cert_pem)


def test_rsa_pem_bundle() -> None:
    ca = make_ca("rsa-root", rsa=True)
    leaf = issue(ca, "rsa.example", rsa=True)
    bundle = parse_bundle(_traditional_key(leaf) + leaf.cert_pem.encode())
    assert bundle.certificate == leaf.cert_pem
    assert bundle.private_key.startswith("-----BEGIN PRIVATE KEY-----")


def test_mismatched_cert_and_key_rejected() -> None:
    ca = make_ca("root")
    one, other = issue(ca, "one.example"), issue(ca, "other.example")
    with pytest.raises(TlsMaterialError, match=r"^Key and x509 certificate do not match$"):
        parse_bundle((one.cert_pem + other.key_pem).encode())


def test_passphrase_pkcs12_rejected(chain: tuple[Ca, Ca, Issued]) -> None:
    with pytest.raises(TlsMaterialError, match=r"^The PKCS12 bundle is unreadable.*pass phrase"):
        parse_bundle(pkcs12(chain[2], passphrase=b"secret"))


def test_garbage_bundle_rejected() -> None:
    with pytest.raises(TlsMaterialError, match=r"^The PKCS12 bundle is unreadable"):
        parse_bundle(b"\x00\x01 not a bundle")
    with pytest.raises(TlsMaterialError, match=r"^Could not read X509 from PEM$"):
        parse_bundle(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")


def test_pem_bundle_needs_exactly_one_plain_key(chain: tuple[Ca, Ca, Issued]) -> None:
    leaf = chain[2]
    with pytest.raises(TlsMaterialError, match=r"Passphrase needed"):
        parse_bundle(leaf.cert_pem.encode() + _traditional_key(leaf, b"pw"))
    with pytest.raises(TlsMaterialError, match=r"no private key"):
        parse_bundle(leaf.cert_pem.encode())
    with pytest.raises(TlsMaterialError, match=r"2 private keys"):
        parse_bundle((leaf.cert_pem + leaf.key_pem + leaf.key_pem).encode())


def test_certificate_needs_a_cn_or_san() -> None:
    ca = make_ca("root")
    nameless = issue(ca, None, sans=())
    with pytest.raises(TlsMaterialError, match=r"^No CN or DNSName"):
        parse_bundle(pkcs12(nameless))
    san_only = parse_bundle(pkcs12(issue(ca, None, sans=["only.example"])))
    assert hostnames(san_only) == ["only.example"]


def test_hostnames_are_cn_then_dns_sans() -> None:
    ca = make_ca("root")
    leaf = issue(ca, "WWW.Example.com", sans=["www.example.com", "api.example.com", "10.0.0.1"])
    assert hostnames(parse_bundle(pkcs12(leaf))) == ["www.example.com", "api.example.com"]


def test_container_parts_with_passphrase_and_pkcs7(chain: tuple[Ca, Ca, Issued]) -> None:
    root, inter, leaf = chain
    certs = [inter.cert, root.cert]
    for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
        bundle = bundle_from_parts(
            leaf.cert_pem.encode(),
            _traditional_key(leaf, b"pw"),
            pkcs7.serialize_certificates(certs, encoding),
            b"pw",
        )
        assert bundle.private_key == leaf.key_pem
        assert bundle.intermediates == (inter.cert_pem, root.cert_pem)
    plain = bundle_from_parts(leaf.cert_pem.encode(), leaf.key_pem.encode(), None, b"unused")
    assert plain.intermediates == ()
    with pytest.raises(TlsMaterialError, match=r"Passphrase needed"):
        bundle_from_parts(leaf.cert_pem.encode(), _traditional_key(leaf, b"pw"), None, None)
    with pytest.raises(TlsMaterialError, match=r"passphrase is incorrect"):
        bundle_from_parts(leaf.cert_pem.encode(), _traditional_key(leaf, b"pw"), None, b"no")


# -- CA and CRL ----------------------------------------------------------------------------


def test_ca_parses_one_or_more_certificates(chain: tuple[Ca, Ca, Issued]) -> None:
    root, inter, _leaf = chain
    assert parse_ca(root.cert_pem.encode()) == root.cert_pem
    both = b"Bag Attributes\n" + inter.cert_pem.encode() + root.cert_pem.encode()
    assert parse_ca(both) == inter.cert_pem + root.cert_pem


@pytest.mark.parametrize("payload", [b"garbage", b"", b"-----BEGIN CERTIFICATE-----\nAA==\n"
                                     b"-----END CERTIFICATE-----\n"])
def test_ca_garbage_rejected(payload: bytes) -> None:
    with pytest.raises(TlsMaterialError, match=r"^The client authentication CA certificate is "
                                                r"invalid\. It must be a valid x509 PEM"):
        parse_ca(payload)


def test_crl_signed_by_the_ca_accepted() -> None:
    ca, other = make_ca("client-ca"), make_ca("unrelated")
    crl = make_crl(ca, [issue(ca, "revoked", client=True)])
    assert parse_crl(crl.encode(), ca.cert_pem) == crl
    # a CA bundle: one of its certificates signed the CRL
    assert parse_crl(crl.encode(), other.cert_pem + ca.cert_pem) == crl


def test_crl_from_another_ca_rejected() -> None:
    ca, other = make_ca("client-ca"), make_ca("unrelated")
    with pytest.raises(TlsMaterialError, match=r"^The CRL specified is not valid for client "
                                                r"certificate authority reference supplied\.$"):
        parse_crl(make_crl(other).encode(), ca.cert_pem)
    with pytest.raises(TlsMaterialError, match=r"^The client authentication certificate "
                                                r"revocation list is invalid"):
        parse_crl(ca.cert_pem.encode(), ca.cert_pem)


# -- loaders over a key manager --------------------------------------------------------------


class FakeKeyManager:
    """Secrets and containers by id, read through refs as KeyManagerClient reads them."""

    def __init__(self) -> None:
        self.secrets: dict[str, bytes] = {}
        self.containers: dict[str, ContainerRefs] = {}

    def store(self, payload: bytes | str) -> str:
        key = str(uuid.uuid4())
        self.secrets[key] = payload.encode() if isinstance(payload, str) else payload
        return f"{KM}/v1/secrets/{key}"

    def store_container(self, **parts: bytes | str) -> str:
        key = str(uuid.uuid4())
        refs = {name: self.store(value) for name, value in parts.items()}
        self.containers[key] = ContainerRefs(type="certificate", secrets=refs)
        return f"{KM}/v1/containers/{key}"

    async def payload(self, ref: str) -> tuple[bytes, str]:
        try:
            return self.secrets[ref_id(ref, "secrets")], "application/octet-stream"
        except KeyError:
            raise ServiceError(404, {"error": "Not Found"}, None) from None

    async def container(self, ref: str) -> ContainerRefs:
        try:
            return self.containers[ref_id(ref, "containers")]
        except KeyError:
            raise ServiceError(404, {"error": "Not Found"}, None) from None


async def test_load_bundle_from_a_secret(chain: tuple[Ca, Ca, Issued]) -> None:
    km = FakeKeyManager()
    leaf = chain[2]
    assert (await load_bundle(km, km.store(pkcs12(leaf)))).certificate == leaf.cert_pem
    assert (await load_bundle(km, km.store(leaf.bundle_pem))).private_key == leaf.key_pem


async def test_load_bundle_from_a_container(chain: tuple[Ca, Ca, Issued]) -> None:
    root, inter, leaf = chain
    km = FakeKeyManager()
    ref = km.store_container(
        certificate=leaf.cert_pem,
        private_key=_traditional_key(leaf, b"s3cret"),
        intermediates=leaf.chain_pem,
        private_key_passphrase=b"s3cret",
    )
    bundle = await load_bundle(km, ref)
    assert bundle.private_key == leaf.key_pem
    assert bundle.intermediates == (inter.cert_pem, root.cert_pem)
    no_key = km.store_container(certificate=leaf.cert_pem)
    with pytest.raises(CertificateRetrievalError):
        await load_bundle(km, no_key)


async def test_unreadable_refs_named_as_octavia_does(chain: tuple[Ca, Ca, Issued]) -> None:
    km = FakeKeyManager()
    missing = f"{KM}/v1/secrets/{uuid.uuid4()}"
    with pytest.raises(CertificateRetrievalError) as caught:
        await load_bundle(km, missing)
    assert str(caught.value) == f"Could not retrieve certificate: ['{missing}']"
    for bad_ref in ("not-a-ref", f"{KM}/v1/containers/{uuid.uuid4()}"):
        with pytest.raises(CertificateRetrievalError, match=r"Could not retrieve certificate"):
            await load_bundle(km, bad_ref)
    good = km.store(pkcs12(chain[2]))
    with pytest.raises(CertificateRetrievalError) as caught:
        await load_bundles(km, [missing, good, "not-a-ref"])
    assert caught.value.refs == [missing, "not-a-ref"]
    # readable but invalid material is a validation failure, not a retrieval one
    with pytest.raises(TlsMaterialError):
        await load_bundle(km, km.store(b"garbage"))


async def test_load_ca_and_crl() -> None:
    ca = make_ca("client-ca")
    km = FakeKeyManager()
    crl = make_crl(ca)
    ca_ref, crl_ref = km.store(ca.cert_pem), km.store(crl)
    ca_pem = await load_ca(km, ca_ref)
    assert ca_pem == ca.cert_pem
    assert await load_crl(km, crl_ref, ca_pem) == crl
    assert await load_ca_and_crl(km, ca_ref, None) == (ca.cert_pem, None)
    assert await load_ca_and_crl(km, ca_ref, crl_ref) == (ca.cert_pem, crl)
    gone = [f"{KM}/v1/secrets/{uuid.uuid4()}" for _ in range(2)]
    with pytest.raises(CertificateRetrievalError) as caught:
        await load_ca_and_crl(km, gone[0], gone[1])
    assert str(caught.value) == f"Could not retrieve certificate: {gone!r}"
    with pytest.raises(TlsMaterialError, match=r"not valid for client certificate authority"):
        await load_ca_and_crl(km, ca_ref, km.store(make_crl(make_ca("other"))))


# -- TLS options ---------------------------------------------------------------------------


def test_tls_versions() -> None:
    check_tls_versions(None)
    check_tls_versions(list(tls.DEFAULT_TLS_VERSIONS))
    check_tls_versions(["SSLv3", "TLSv1", "TLSv1.1"])
    with pytest.raises(TlsMaterialError, match=r"^Empty TLS version list"):
        check_tls_versions([])
    with pytest.raises(TlsMaterialError, match=r"^Invalid TLS versions: TLSv9, tls1\.2$"):
        check_tls_versions(["TLSv1.2", "TLSv9", "tls1.2"])
    with pytest.raises(TlsMaterialError, match=r"less than the minimum: TLSv1.1 < TLSv1.2$"):
        check_tls_versions(["TLSv1.1", "TLSv1.3"], minimum="TLSv1.2")


def test_alpn() -> None:
    check_alpn(None)
    check_alpn(list(tls.DEFAULT_ALPN))
    with pytest.raises(TlsMaterialError, match=r"^Empty ALPN protocol list"):
        check_alpn([])
    with pytest.raises(TlsMaterialError, match=r"^Invalid ALPN protocol: h3$"):
        check_alpn(["h2", "h3"])


@pytest.mark.parametrize("ciphers", [
    tls.DEFAULT_TLS_CIPHERS,
    "HIGH:!aNULL:!MD5:!RC4:!3DES:-EXPORT:+SHA1:@STRENGTH",
    "ECDHE+AESGCM:TLS_AES_128_CCM_8_SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
])
def test_known_ciphers_accepted(ciphers: str) -> None:
    check_ciphers(ciphers)


def test_bad_ciphers_rejected() -> None:
    check_ciphers(None)
    with pytest.raises(TlsMaterialError, match=r"not known to OpenSSL\): NOPE-CIPHER, A B$"):
        check_ciphers("ECDHE-RSA-AES128-GCM-SHA256:NOPE-CIPHER:A B")
    with pytest.raises(TlsMaterialError, match=r"longer than 2048"):
        check_ciphers(":".join(["ECDHE-RSA-AES128-GCM-SHA256"] * 80))
    with pytest.raises(TlsMaterialError, match=r"names no cipher"):
        check_ciphers("::")
    with pytest.raises(TlsMaterialError, match=r"prohibited by an administrator: AES128-SHA$"):
        check_ciphers("HIGH:AES128-SHA", prohibited=["AES128-SHA", "DES-CBC3-SHA"])


def test_write_pem_is_private(tmp_path: Path) -> None:
    target = tmp_path / "server.pem"
    write_pem(target, "text")
    assert target.read_text() == "text"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
