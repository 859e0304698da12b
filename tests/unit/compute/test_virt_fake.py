"""The fake hypervisor: what it runs, its usage, its power states, its injected failures."""

from __future__ import annotations

import pytest

from pocketstack.compute.virt.driver import PowerState, SpawnFailed
from pocketstack.compute.virt.fake import FakeHypervisor

FLAVOR = {"vcpus": 2, "memory_mb": 1024, "root_gb": 10, "ephemeral_gb": 1}


def hypervisor(**options: object) -> FakeHypervisor:
    return FakeHypervisor("h1", vcpus=8, memory_mb=8192, disk_gb=100, **options)  # type: ignore[arg-type]


async def test_spawn_counts_usage_and_destroy_frees_it() -> None:
    driver = hypervisor()
    await driver.spawn({"uuid": "i1", "flavor": FLAVOR})
    usage = driver.get_available_resource()
    assert (usage["vcpus_used"], usage["memory_mb_used"], usage["local_gb_used"],
            usage["running_vms"]) == (2, 1024, 11, 1)
    assert driver.instances() == {"i1": PowerState.RUNNING}
    await driver.destroy("i1")
    assert driver.get_available_resource()["running_vms"] == 0


async def test_power_operations_set_nova_power_states() -> None:
    driver = hypervisor()
    await driver.spawn({"uuid": "i1", "flavor": FLAVOR})
    steps = [(driver.power_off, PowerState.SHUTDOWN), (driver.power_on, PowerState.RUNNING),
             (driver.pause, PowerState.PAUSED), (driver.unpause, PowerState.RUNNING),
             (driver.suspend, PowerState.SUSPENDED), (driver.resume, PowerState.RUNNING)]
    for operation, state in steps:
        await operation("i1")
        assert driver.instances()["i1"] == state
    with pytest.raises(LookupError):
        await driver.power_off("unknown")


async def test_failure_injection_refuses_spawns_until_cleared() -> None:
    driver = hypervisor(fail_spawn=True)
    with pytest.raises(SpawnFailed):
        await driver.spawn({"uuid": "i1", "flavor": FLAVOR})
    assert driver.instances() == {}
    driver.fail_spawn = False
    await driver.spawn({"uuid": "i1", "flavor": FLAVOR})
    assert "i1" in driver.instances()


async def test_snapshot_returns_the_disk_of_a_running_instance() -> None:
    driver = hypervisor()
    await driver.spawn({"uuid": "i1", "flavor": FLAVOR})
    assert len(await driver.snapshot("i1")) > 512


async def test_a_migrated_guest_is_kept_aside_until_confirmed_or_reverted() -> None:
    driver = FakeHypervisor("h", vcpus=8, memory_mb=4096, disk_gb=100)
    small = {"uuid": "u1", "flavor": {"vcpus": 1, "memory_mb": 512, "root_gb": 1}}
    await driver.spawn(small)
    disk = await driver.migrate_disk_and_power_off(small)
    assert disk.startswith(b"QFI") and driver.instances() == {}
    assert driver.get_available_resource()["vcpus_used"] == 1  # still held by the disks
    assert await driver.migrate_disk_and_power_off(small) == disk  # idempotent
    big = {**small, "flavor": {"vcpus": 2, "memory_mb": 1024, "root_gb": 1}}
    await driver.finish_migration(big, power_on=False)  # same host: beside the old one
    assert driver.instances() == {"u1": PowerState.SHUTDOWN}
    assert driver.get_available_resource()["vcpus_used"] == 3
    await driver.destroy("u1")
    await driver.finish_revert_migration(small, power_on=True)
    assert driver.instances() == {"u1": PowerState.RUNNING} and not driver.kept
    await driver.migrate_disk_and_power_off(small)
    await driver.confirm_migration("u1")
    assert driver.get_available_resource()["vcpus_used"] == 0
