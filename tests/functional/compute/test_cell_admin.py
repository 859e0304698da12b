"""``pocketstack cell ...`` against real databases: nova-manage cell_v2's semantics and exit
codes (map cell0, create, list, update, discover hosts, list/delete hosts, delete)."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from pocketstack.cli import main
from pocketstack.common.db import create_engine_for, upgrade
from pocketstack.compute.db import CELL_MIGRATIONS
from pocketstack.compute.db.cell_models import compute_nodes, instances


def run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["cell", *args, "--data-dir", str(data_dir)])


def cell_uuid(data_dir: Path, name: str) -> str:
    listing = run(data_dir, "list").output
    for line in listing.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[1] == name:
            return cells[2]
    raise AssertionError(f"no cell {name} in {listing}")


async def _seed(url: str, host: str, *, with_instance: bool) -> None:
    engine = create_engine_for(url)
    try:
        await upgrade(engine, CELL_MIGRATIONS)
        now = datetime.datetime(2026, 1, 1)
        async with engine.begin() as conn:
            await conn.execute(sa.insert(compute_nodes).values(
                uuid=str(uuid.uuid4()), host=host, hypervisor_hostname=host,
                hypervisor_type="fake", hypervisor_version=1, vcpus=4, memory_mb=4096,
                local_gb=40, vcpus_used=0, memory_mb_used=0, local_gb_used=0, running_vms=0,
                cpu_allocation_ratio=16.0, ram_allocation_ratio=1.5, disk_allocation_ratio=1.0,
                mapped=0, created_at=now, deleted=0))
            if with_instance:
                await conn.execute(sa.insert(instances).values(
                    uuid=str(uuid.uuid4()), project_id="p", user_id="u", host=host,
                    vm_state="active", power_state=1, flavor={}, metadata={},
                    system_metadata={}, tags=[], addresses={}, security_groups=[],
                    reservation_id="r-1", launch_index=0, locked=False, config_drive="",
                    disk_config="MANUAL", hidden=False, created_at=now, deleted=0))
    finally:
        await engine.dispose()


def test_map_cell0_and_create(tmp_path: Path) -> None:
    assert run(tmp_path, "map-cell0").exit_code == 0
    assert run(tmp_path, "map-cell0").exit_code == 0  # already mapped: still 0
    made = run(tmp_path, "create", "--name", "cell1", "--verbose")
    assert made.exit_code == 0, made.output
    assert str(uuid.UUID(made.output.strip())) == made.output.strip()
    again = run(tmp_path, "create", "--name", "cell1")
    assert again.exit_code == 2  # same transport URL and database as cell1
    listing = run(tmp_path, "list")
    assert listing.exit_code == 0
    assert "00000000-0000-0000-0000-000000000000" in listing.output
    assert cell_uuid(tmp_path, "cell1") == made.output.strip()


def test_passwords_are_masked_unless_verbose(tmp_path: Path) -> None:
    url = "amqp://guest:s3cret@127.0.0.1:5672/pocketstack-cellx"
    assert run(tmp_path, "create", "--name", "cellx", "--transport-url", url).exit_code == 0
    assert "s3cret" not in run(tmp_path, "list").output
    assert "guest:****@" in run(tmp_path, "list").output
    assert "s3cret" in run(tmp_path, "list", "--verbose").output


def test_update_rules(tmp_path: Path) -> None:
    run(tmp_path, "map-cell0")
    run(tmp_path, "create", "--name", "cell1")
    run(tmp_path, "create", "--name", "cell2")
    one, two = cell_uuid(tmp_path, "cell1"), cell_uuid(tmp_path, "cell2")
    assert run(tmp_path, "update", "--cell-uuid", str(uuid.uuid4()), "--disable"
               ).exit_code == 1
    assert run(tmp_path, "update", "--cell-uuid", one, "--disable", "--enable").exit_code == 4
    assert run(tmp_path, "update", "--cell-uuid", "00000000-0000-0000-0000-000000000000",
               "--disable").exit_code == 5
    listing = run(tmp_path, "list", "--verbose").output
    two_db = next(line for line in listing.splitlines() if two in line).split("|")[4].strip()
    two_bus = next(line for line in listing.splitlines() if two in line).split("|")[3].strip()
    assert run(tmp_path, "update", "--cell-uuid", one, "--transport-url", two_bus,
               "--database-connection", two_db).exit_code == 3
    assert run(tmp_path, "update", "--cell-uuid", one, "--disable",
               "--name", "cellone").exit_code == 0
    row = next(line for line in run(tmp_path, "list").output.splitlines() if one in line)
    assert "cellone" in row and "True" in row


def test_discover_list_and_delete_hosts(tmp_path: Path) -> None:
    run(tmp_path, "map-cell0")
    run(tmp_path, "create", "--name", "cell1")
    one = cell_uuid(tmp_path, "cell1")
    assert run(tmp_path, "discover-hosts", "--strict").exit_code == 1  # nothing to map
    db = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'compute_cell1.sqlite'}"
    asyncio.run(_seed(db, "h1", with_instance=True))
    asyncio.run(_seed(db, "h2", with_instance=False))
    found = run(tmp_path, "discover-hosts", "--strict", "--verbose")
    assert found.exit_code == 0, found.output
    assert "Found 2 unmapped computes." in found.output
    assert run(tmp_path, "discover-hosts", "--strict").exit_code == 1  # all mapped now
    hosts = run(tmp_path, "list-hosts").output
    assert "h1" in hosts and "h2" in hosts
    assert run(tmp_path, "delete-host", "--cell-uuid", one, "--host", "nope").exit_code == 2
    assert run(tmp_path, "delete-host", "--cell-uuid", one, "--host", "h1").exit_code == 4
    assert run(tmp_path, "delete-host", "--cell-uuid", one, "--host", "h2").exit_code == 0
    assert "h2" not in run(tmp_path, "list-hosts").output
    # The cell still has a host and a live instance: refused until both are gone.
    assert run(tmp_path, "delete", "--cell-uuid", one).exit_code == 2
    assert run(tmp_path, "delete", "--cell-uuid", one, "--force").exit_code == 3
    assert run(tmp_path, "delete", "--cell-uuid", str(uuid.uuid4())).exit_code == 1


@pytest.mark.parametrize("force", [False, True])
def test_delete_empty_cell(tmp_path: Path, force: bool) -> None:
    run(tmp_path, "map-cell0")
    run(tmp_path, "create", "--name", "cell9")
    nine = cell_uuid(tmp_path, "cell9")
    db = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'compute_cell9.sqlite'}"
    asyncio.run(_seed(db, "h9", with_instance=False))
    assert run(tmp_path, "discover-hosts").exit_code == 0
    result = run(tmp_path, "delete", "--cell-uuid", nine, *(["--force"] if force else []))
    assert result.exit_code == (0 if force else 2), result.output
    assert (nine in run(tmp_path, "list").output) is not force
