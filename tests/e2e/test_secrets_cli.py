"""The real ``openstack`` CLI with python-barbicanclient against a running ``pocketstack up``.

The plugin finds ``key-manager`` in the catalog, discovers ``/key-manager`` (300, ``v1``)
and ``/key-manager/v1/`` (``stable``: it then speaks 1.0), and appends ``v1`` paths. Each
test makes secrets of its own (a unique name), so the tests share one cloud in any order.
Container ``get`` is read with ``-f shell``: the plugin hands cliff a ``datetime`` for
``Created``, which ``-f json`` cannot print (a client quirk, the same against Barbican).
"""

from __future__ import annotations

import base64
import datetime
import shlex
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _shell(output: str) -> dict[str, str]:
    """``-f shell`` output (``key="value"`` lines) as a dict."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            found[key] = shlex.split(value)[0] if value else ""
    return found


def _tls(workdir: Path) -> tuple[Path, Path, bytes]:
    """A self-signed certificate and its key as PEM files, and both as PKCS#12."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = workdir / f"{_name('cert')}.pem", workdir / f"{_name('key')}.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"www", key, cert, None, serialization.NoEncryption()
    )
    return cert_path, key_path, p12


def test_text_secret_store_get_list_delete(cloud: RunningCloud) -> None:
    name = _name("s")
    stored = cloud.cli_json(
        "secret",
        "store",
        "--name",
        name,
        "--payload",
        "hello",
        "--payload-content-type",
        "text/plain",
    )
    ref = stored["Secret href"]
    assert ref.startswith(f"{cloud.base_url}/key-manager/v1/secrets/")
    assert stored["Content types"] == {"default": "text/plain"}

    shown = cloud.cli_json("secret", "get", ref)
    assert (shown["Name"], shown["Status"], shown["Secret type"]) == (name, "ACTIVE", "opaque")
    assert (shown["Algorithm"], shown["Bit length"], shown["Mode"]) == ("aes", 256, "cbc")
    assert "hello" not in str(shown)

    payload = cloud.cli("secret", "get", ref, "--payload", "-f", "value").stdout
    assert payload.strip() == "hello"
    saved = cloud.workdir / f"{name}.txt"
    cloud.cli("secret", "get", ref, "--file", str(saved))
    assert saved.read_bytes() == b"hello"

    listed = cloud.cli_json("secret", "list", "--name", name)
    assert [(s["Secret href"], s["Name"]) for s in listed] == [(ref, name)]

    cloud.cli("secret", "delete", ref)
    assert "another castle" in cloud.cli_fails("secret", "get", ref)
    assert cloud.cli_json("secret", "list", "--name", name) == []


def test_binary_pkcs12_bundle_round_trip(cloud: RunningCloud) -> None:
    _, _, p12 = _tls(cloud.workdir)
    ref = cloud.cli_json(
        "secret",
        "store",
        "--name",
        _name("p12"),
        "--payload-content-type",
        "application/octet-stream",
        "--payload-content-encoding",
        "base64",
        "--payload",
        base64.b64encode(p12).decode(),
    )["Secret href"]
    saved = cloud.workdir / f"{_name('out')}.p12"
    cloud.cli(
        "secret",
        "get",
        ref,
        "--file",
        str(saved),
        "--payload_content_type",
        "application/octet-stream",
    )
    assert saved.read_bytes() == p12
    assert pkcs12.load_key_and_certificates(saved.read_bytes(), None)[1] is not None


def test_certificate_container(cloud: RunningCloud) -> None:
    cert_path, key_path, _ = _tls(cloud.workdir)
    pem = ("--payload-content-type", "application/x-pem-file")
    cert = cloud.cli_json(
        "secret",
        "store",
        "--name",
        _name("cert"),
        "--secret-type",
        "certificate",
        "--file",
        str(cert_path),
        *pem,
    )["Secret href"]
    key = cloud.cli_json(
        "secret",
        "store",
        "--name",
        _name("key"),
        "--secret-type",
        "private",
        "--file",
        str(key_path),
        *pem,
    )["Secret href"]
    name = _name("c")

    made = _shell(
        cloud.cli(
            "secret",
            "container",
            "create",
            "--name",
            name,
            "--type",
            "certificate",
            "--secret",
            f"certificate={cert}",
            "--secret",
            f"private_key={key}",
            "-f",
            "shell",
        ).stdout
    )
    ref = made["container_href"]
    assert ref.startswith(f"{cloud.base_url}/key-manager/v1/containers/")
    assert (made["certificate"], made["private_key"]) == (cert, key)

    [mine] = cloud.cli_json("secret", "container", "list", "--name", name)
    assert mine["Container href"] == ref
    assert (mine["Name"], mine["Type"], mine["Status"]) == (name, "certificate", "ACTIVE")
    assert sorted(mine["Secrets"].splitlines()) == [f"certificate={cert}", f"private_key={key}"]

    shown = _shell(cloud.cli("secret", "container", "get", ref, "-f", "shell").stdout)
    assert (shown["name"], shown["type"], shown["certificate"]) == (name, "certificate", cert)
    assert shown["private_key"] == key and shown["intermediates"] == "None"

    refused = cloud.cli_fails(
        "secret", "container", "create", "--type", "certificate", "--secret", f"private_key={key}"
    )
    assert "minimum required reference name is 'certificate'" in refused

    cloud.cli("secret", "container", "delete", ref)
    assert "another castle" in cloud.cli_fails("secret", "container", "get", ref)
    assert cloud.cli_json("secret", "get", cert)["Status"] == "ACTIVE"  # secrets remain
