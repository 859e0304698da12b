"""The compute end-to-end run on the scaled-out backends: the API database and every cell
database on the real PostgreSQL, the API bus and each cell's bus on its own RabbitMQ vhost.

The test creates scratch databases and vhosts and removes them afterwards. The CLI does not
know the difference; the servers still boot through the whole cells v2 flow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]



def test_compute_on_postgresql_and_rabbitmq(cloud_factory: RunningCloud,
                                            backends: dict[str, str]) -> None:
    cloud_factory.configure(
        "hosts_per_cell = 2\n"
        "[quota]\n"  # the huge flavor below must reach the scheduler
        "cores = -1\n"
        "ram = -1\n", backends=backends)
    cloud_factory.start()
    cells = cloud_factory.admin("cell", "list").stdout
    assert "postgresql+asyncpg://" in cells and "amqp://guest:****@" in cells

    disk = cloud_factory.workdir / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    cloud_factory.cli("image", "create", "--disk-format", "raw", "--container-format", "bare",
                      "--file", str(disk), "img")
    cloud_factory.cli("network", "create", "net")
    cloud_factory.cli("subnet", "create", "--network", "net", "--subnet-range",
                      "10.30.0.0/24", "net-v4")
    made = cloud_factory.cli_json("server", "create", "--flavor", "m1.tiny", "--image", "img",
                                  "--network", "net", "--min", "3", "--max", "3", "--wait", "pg")
    assert made["status"] == "ACTIVE"
    listed = cloud_factory.cli_json("server", "list", "--long")
    assert len(listed) == 3 and {s["Status"] for s in listed} == {"ACTIVE"}
    assert len({s["Host"] for s in listed}) >= 2

    cloud_factory.cli("flavor", "create", "--vcpus", "9999", "--ram", "99999999", "--disk", "1",
                      "huge")
    cloud_factory.cli("server", "create", "--flavor", "huge", "--image", "img",
                      "--network", "net", "nohost")
    failed = cloud_factory.wait_server("nohost", "ERROR")
    assert "No valid host was found" in str(failed["fault"])

    name = listed[0]["Name"]
    cloud_factory.cli("server", "stop", name)
    cloud_factory.wait_server(name, "SHUTOFF")
    for server in [*listed, {"ID": failed["id"]}]:
        cloud_factory.cli("server", "delete", "--wait", server["ID"])
    assert cloud_factory.cli_json("server", "list") == []
    stopped = cloud_factory.stop()
    assert stopped.clean, stopped.describe()
