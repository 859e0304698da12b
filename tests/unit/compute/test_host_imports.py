"""Host agents and virt drivers hold no database: importing them pulls in no SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

MODULES = ["pocketstack.compute.host.agent", "pocketstack.compute.host.operations",
           "pocketstack.compute.host.resources", "pocketstack.compute.virt.fake"]


def test_host_and_virt_modules_do_not_import_sqlalchemy() -> None:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in MODULES)
            + "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout
