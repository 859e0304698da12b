"""Image upload: a generated stream through the in-process image API, with peak-RSS growth
and throughput. Prints a table (or ``--json``); not a test, though
``tests/functional/image/test_image_large_upload.py`` runs it to check memory stays flat.

Run: ``.venv/bin/python bench/image_upload.py --size-mib 1024``.

One fresh all-in-one cloud (SQLite, data dir in a temporary folder) is opened in this
process; an httpx client on its ASGI app (no socket) creates an image and PUTs
``/v2/images/{id}/file`` from an async generator that yields the same 1 MiB block
``size-mib`` times, so the client holds one block and nothing else. The RSS baseline is
taken once the cloud is up and a first small image has been uploaded (every code path
warm); the growth is the process's peak RSS (``ru_maxrss``) after the big upload minus that
baseline. The data is a known pattern, so its MD5 and SHA-512 are checked against known
answers (:data:`KNOWN`, computed once with :func:`expected_hashes`; other sizes are computed
beforehand, outside the timed upload).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from pocketstack.allinone import open_cloud
from pocketstack.common.settings import load_settings

MIB = 1 << 20
BLOCK = bytes(range(256)) * (MIB // 256)
# size in MiB -> (md5, sha512) of BLOCK repeated that many times
KNOWN = {
    256: (
        "c2b8514744d7b678f8a2f7e172a93ea7",
        "10823581ca7648b90fcd6c63e98d2361013a3aef34dd16955adacba7bc1f922e"
        "833372edd4adb97e71ea1dc3bff0fc12d47290b9d34fd93f5a7f77fb082b762d",
    ),
    1024: (
        "cb17f4ab872d64db60b980a67cf04a8a",
        "037a5438fd1f9c74578616e64e492128ed99b88fdad7a34f7bd6ebbb4afe7817"
        "d4d728b549424921c9b75c60cc88073c4442c479dcdf902e8fcdcfe12c640b6b",
    ),
}


def expected_hashes(blocks: int) -> tuple[str, str]:
    md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()
    for _ in range(blocks):
        md5.update(BLOCK)
        sha512.update(BLOCK)
    return md5.hexdigest(), sha512.hexdigest()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _stream(blocks: int) -> AsyncIterator[bytes]:
    for _ in range(blocks):
        yield BLOCK


async def _token(client: httpx.AsyncClient, password: str) -> str:
    issued = await client.post(
        "/identity/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "domain": {"id": "default"}, "password": password}
                    },
                },
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
            }
        },
    )
    return issued.headers["x-subject-token"]


async def _upload(
    client: httpx.AsyncClient, token: str, name: str, body: Any, length: int
) -> dict[str, Any]:
    headers = {"X-Auth-Token": token}
    created = await client.post(
        "/image/v2/images",
        headers=headers,
        json={"name": name, "disk_format": "raw", "container_format": "bare"},
    )
    image_id = created.json()["id"]
    put = await client.put(
        f"/image/v2/images/{image_id}/file",
        content=body,
        headers={
            **headers,
            "Content-Type": "application/octet-stream",
            "Content-Length": str(length),
        },
    )
    assert put.status_code == 204, put.text
    shown: dict[str, Any] = (
        await client.get(f"/image/v2/images/{image_id}", headers=headers)
    ).json()
    return shown


async def measure(size_mib: int, root: Path) -> dict[str, Any]:
    md5, sha512 = KNOWN.get(size_mib) or expected_hashes(size_mib)
    settings = load_settings(
        root,
        env={},
        overrides={"identity": {"password_hash_rounds": 4}, "api": {"log_requests": False}},
    )
    async with (
        open_cloud(settings) as cloud,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=cloud.dispatch), base_url="http://bench", timeout=None
        ) as client,
    ):
        token = await _token(client, cloud.admin_password)
        await _upload(client, token, "warm-up", _stream(1), MIB)
        baseline = peak_rss_mib()
        started = time.perf_counter()
        image = await _upload(client, token, "big", _stream(size_mib), size_mib * MIB)
        seconds = time.perf_counter() - started
        peak = peak_rss_mib()
    return {
        "size_mib": size_mib,
        "seconds": round(seconds, 2),
        "mib_per_s": round(size_mib / seconds, 1),
        "baseline_rss_mib": round(baseline, 1),
        "peak_rss_mib": round(peak, 1),
        "rss_growth_mib": round(peak - baseline, 1),
        "status": image["status"],
        "size_ok": image["size"] == size_mib * MIB,
        "checksum_ok": image["checksum"] == md5,
        "os_hash_ok": image["os_hash_value"] == sha512,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--json", action="store_true", help="one JSON object, no table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="image-bench-") as root:
        result = asyncio.run(measure(args.size_mib, Path(root)))
    if args.json:
        print(json.dumps(result))
        return
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    if not (result["size_ok"] and result["checksum_ok"] and result["os_hash_ok"]):
        sys.exit("the stored image does not match what was sent")


if __name__ == "__main__":
    main()
