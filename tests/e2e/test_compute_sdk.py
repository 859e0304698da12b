"""openstacksdk's compute proxy against a running ``pocketstack up``, as a program using the
SDK drives it: the cloud from the ``clouds.yaml`` the server wrote, the microversion the SDK
negotiates, servers booted and waited for, paged lists that follow ``servers_links``, power
actions, instance actions, delete and wait."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import openstack
import pytest
from openstack.config import OpenStackConfig

if TYPE_CHECKING:
    from conftest import RunningCloud

# The SDK warns of its own deprecations (its InfluxDB metrics, its resource internals).
pytestmark = [pytest.mark.e2e,
              pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
              pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning")]

WAIT_S = 30


@pytest.fixture(scope="module")
def sdk(cloud: RunningCloud) -> Iterator[openstack.connection.Connection]:
    config = OpenStackConfig(config_files=[str(cloud.data_dir / "clouds.yaml")],
                             load_envvars=False)
    conn = openstack.connection.Connection(config=config.get_one("pocketstack"))
    yield conn
    conn.close()


def test_servers_through_the_sdk(cloud: RunningCloud,
                                 sdk: openstack.connection.Connection) -> None:
    tag = uuid.uuid4().hex[:6]
    disk = cloud.workdir / f"sdk-{tag}.img"
    disk.write_bytes(b"\0" * 4096)
    cloud.cli("image", "create", "--disk-format", "qcow2", "--container-format", "bare",
              "--file", str(disk), f"sdk-{tag}")
    image = sdk.image.find_image(f"sdk-{tag}", ignore_missing=False)
    flavor = sdk.compute.find_flavor("m1.nano", ignore_missing=False)

    made = [sdk.compute.create_server(name=f"sdk-{tag}-{n}", flavor_id=flavor.id,
                                      image_id=image.id, networks="none",
                                      metadata={"made-by": "sdk"})
            for n in range(3)]
    servers = [sdk.compute.wait_for_server(s, status="ACTIVE", wait=WAIT_S) for s in made]
    assert {s.status for s in servers} == {"ACTIVE"}
    assert servers[0].metadata == {"made-by": "sdk"}
    assert servers[0].flavor.name == "m1.nano"

    # pages of one, the SDK following the next links (markers) until the last page
    paged = list(sdk.compute.servers(details=True, name=f"^sdk-{tag}-", limit=1,
                                     paginated=True))
    assert sorted(s.id for s in paged) == sorted(s.id for s in servers)

    first = servers[0]
    sdk.compute.stop_server(first)
    sdk.compute.wait_for_server(first, status="SHUTOFF", wait=WAIT_S)
    sdk.compute.start_server(first)
    sdk.compute.wait_for_server(first, status="ACTIVE", wait=WAIT_S)
    actions = {a.action for a in sdk.compute.server_actions(first)}
    assert {"create", "stop", "start"} <= actions
    created = next(a for a in sdk.compute.server_actions(first) if a.action == "create")
    detail = sdk.compute.get_server_action(created.request_id, first)
    assert {e["event"] for e in detail.events} >= {"compute__do_build_and_run_instance"}

    for server in servers:
        sdk.compute.delete_server(server)
    for server in servers:
        sdk.compute.wait_for_delete(server, wait=WAIT_S)
    assert not list(sdk.compute.servers(name=f"^sdk-{tag}-"))
