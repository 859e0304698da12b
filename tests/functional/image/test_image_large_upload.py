"""A large upload streams with flat memory: ``bench/image_upload.py`` in a fresh interpreter
(so its peak RSS says something about this upload alone) pushes a generated 1 GiB stream
through the in-process API; the process's peak RSS may grow by at most 100 MiB over its
warm baseline, and size, MD5 and SHA-512 must be right. (About 5 s of upload on an idle
2-CPU machine, 8 s on a loaded one; the bench prints the throughput.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "image_upload.py"
SIZE_MIB = 1024
MAX_GROWTH_MIB = 100


def test_a_1_gib_upload_keeps_memory_flat_and_hashes_right() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--size-mib", str(SIZE_MIB), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["status"] == "active"
    assert result["size_ok"] and result["checksum_ok"] and result["os_hash_ok"], result
    assert result["rss_growth_mib"] < MAX_GROWTH_MIB, result
