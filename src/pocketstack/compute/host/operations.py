"""The ``compute`` casts a host agent serves: build, terminate, power actions, rebuild and
snapshot. Each moves the instance through Nova's task states by calls to the cell
conductor, and records its action event.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pocketstack.compute import rpc
from pocketstack.compute.host import assign, resources
from pocketstack.compute.host.migration import MigrationSteps
from pocketstack.compute.virt.driver import PowerState

if TYPE_CHECKING:
    from pocketstack.compute.host.agent import HostAgent

__all__ = ["POWER_ACTIONS", "Operations"]

log = logging.getLogger("pocketstack.compute.host")

Method = rpc.ConductorMethod
BUILD_EVENT = "compute__do_build_and_run_instance"

# method -> (expected task states, driver call name, vm_state, power_state, event)
POWER_ACTIONS: dict[str, tuple[list[str], str, str, int, str]] = {
    rpc.HostMethod.STOP: (["powering-off"], "power_off", "stopped", PowerState.SHUTDOWN,
                          "compute_stop_instance"),
    rpc.HostMethod.START: (["powering-on"], "power_on", "active", PowerState.RUNNING,
                           "compute_start_instance"),
    rpc.HostMethod.REBOOT: (["rebooting", "reboot_started", "rebooting_hard",
                             "reboot_started_hard"], "reboot", "active", PowerState.RUNNING,
                            "compute_reboot_instance"),
    rpc.HostMethod.PAUSE: (["pausing"], "pause", "paused", PowerState.PAUSED,
                           "compute_pause_instance"),
    rpc.HostMethod.UNPAUSE: (["unpausing"], "unpause", "active", PowerState.RUNNING,
                             "compute_unpause_instance"),
    rpc.HostMethod.SUSPEND: (["suspending"], "suspend", "suspended", PowerState.SUSPENDED,
                             "compute_suspend_instance"),
    rpc.HostMethod.RESUME: (["resuming"], "resume", "active", PowerState.RUNNING,
                            "compute_resume_instance"),
}


MIGRATION_STEPS = frozenset(v for k, v in vars(rpc.MigrateMethod).items()
                            if not k.startswith("_"))


class Operations:
    def __init__(self, agent: HostAgent) -> None:
        self.agent = agent
        self.driver = agent.driver
        self.migration = MigrationSteps(agent)

    async def handle(self, method: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if method in POWER_ACTIONS:
            await self._power(method, payload)
            return None
        if method in MIGRATION_STEPS:
            return await self.migration.handle(method, payload)
        handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            rpc.HostMethod.BUILD_AND_RUN: self.build_and_run,
            rpc.HostMethod.TERMINATE: self.terminate,
            rpc.HostMethod.REBUILD: self.rebuild,
            rpc.HostMethod.SNAPSHOT: self.snapshot,
        }
        handler = handlers.get(method)
        if handler is None:
            raise ValueError(f"unknown compute method {method}")
        await handler(payload)
        return None

    # -- conductor calls ---------------------------------------------------------------

    async def update(self, uuid: str, values: dict[str, Any],
                     expected: list[str | None] | None = None,
                     **extra: Any) -> dict[str, Any] | None:
        payload: dict[str, Any] = {"instance_uuid": uuid, "values": values, **extra}
        if expected is not None:
            payload["expected_task_state"] = expected
        found: dict[str, Any] | None = await self.agent.conductor(Method.INSTANCE_UPDATE,
                                                                  payload)
        return found

    async def event(self, payload: dict[str, Any], event: str, result: str | None,
                    details: str | None = None) -> None:
        await self.agent.conductor(Method.ACTION_EVENT, {
            "instance_uuid": payload["instance_uuid"],
            **self._event(payload, event, result, details)})

    async def finish(self, payload: dict[str, Any], values: dict[str, Any],
                     expected: list[str | None] | None, event: str, result: str,
                     details: str | None = None) -> None:
        """The action's last step and its event in one transaction, so that nobody sees
        the task done and its event still open; the event alone when the update no
        longer applies (deleted, or another task took over)."""
        done = await self.update(payload["instance_uuid"], values, expected,
                                 event=self._event(payload, event, result, details))
        if done is None:
            await self.event(payload, event, result, details)

    def _event(self, payload: dict[str, Any], event: str, result: str | None,
               details: str | None = None) -> dict[str, Any]:
        """An action event, for ``event`` or to go with an update (``update(event=...)``:
        recorded in the update's transaction, and only when the update applies)."""
        return {"request_id": payload["request_id"], "event": event, "result": result,
                "host": self.agent.host, "details": details}

    async def fault(self, uuid: str, exc: BaseException, code: int = 500) -> None:
        await self.agent.conductor(Method.INSTANCE_FAULT, {
            "instance_uuid": uuid, "code": code, "message": str(exc) or type(exc).__name__,
            "details": repr(exc), "host": self.agent.host})

    # -- build ---------------------------------------------------------------------------

    async def build_and_run(self, payload: dict[str, Any]) -> None:
        """block_device_mapping → networking → spawning → active (a step with nothing to
        do is skipped: the API could not tell). The event is recorded once, when done."""
        instance: dict[str, Any] = payload["instance"]
        uuid = instance["uuid"]
        made = resources.Made()
        expected: list[str | None] = ["scheduling", "block_device_mapping", "networking",
                                      "spawning"]
        try:
            values: dict[str, Any] = {}
            if any(b.get("destination_type") == "volume" for b in instance.get("bdms") or []):
                if await self.update(uuid, {"task_state": "block_device_mapping"},
                                     expected) is None:
                    return  # deleted meanwhile, or another action took over
                values["bdm_updates"] = await resources.attach_volumes(
                    self.agent.clients.volume, instance, made)
            requested = instance.get("requested_networks") or []
            if requested:
                if await self.update(uuid, {"task_state": "networking"}, expected,
                                     **values) is None:
                    return
                values = {}
                addresses = await resources.bind_ports(self.agent.clients.network, instance,
                                                       requested, self.agent.host, made)
                preserved = ",".join(r["port_id"] for r in requested if r.get("port_id"))
                sysmeta = {**(instance.get("system_metadata") or {}),
                           resources.PRESERVED_PORTS: preserved}
                values["values"] = {"addresses": addresses, "system_metadata": sysmeta}
            changes = {**values.pop("values", {}), "task_state": "spawning"}
            devices = await assign.assigned_devices(self.agent, instance)
            if devices:  # the GPUs (or vGPUs) placement gave it, recorded before it runs
                sysmeta = {**(changes.get("system_metadata")
                              or instance.get("system_metadata") or {}),
                           assign.DEVICES_KEY: assign.describe(devices)}
                changes["system_metadata"] = sysmeta
            if await self.update(uuid, changes, expected, **values) is None:
                return
            if uuid not in self.driver.instances():
                await self.driver.spawn({**instance, "devices": devices})
        except Exception as exc:  # any failure of the build reschedules it
            log.info("build of %s failed on %s: %s", uuid, self.agent.host, exc)
            await self._build_failed(payload, made, exc)
            return
        done = await self.update(uuid, {
            "vm_state": "active", "power_state": PowerState.RUNNING, "task_state": None,
            "launched_at": _now_iso(), "progress": 0}, ["spawning"],
            event=self._event(payload, BUILD_EVENT, "Success"))
        if done is None:  # deleted while spawning: nothing of it may keep running
            await self.driver.destroy(uuid)

    async def _build_failed(self, payload: dict[str, Any], made: resources.Made,
                            exc: BaseException) -> None:
        uuid = payload["instance_uuid"]
        await resources.undo(self.agent.clients.volume, self.agent.clients.network, made)
        await self.driver.destroy(uuid)
        await self.fault(uuid, exc)
        await self.agent.conductor(Method.BUILD_FAILED, {
            "instance_uuid": uuid, "request_id": payload["request_id"],
            "alternates": payload.get("alternates") or [], "reason": str(exc),
            "requested_networks": payload["instance"].get("requested_networks") or [],
            "host": self.agent.host})

    # -- terminate -----------------------------------------------------------------------

    async def terminate(self, payload: dict[str, Any]) -> None:
        uuid = payload["instance_uuid"]
        event = "compute_terminate_instance"
        await self.event(payload, event, None)
        current = await self.update(uuid, {"task_state": "deleting"}, ["deleting"])
        preserved = set(filter(None, str(((current or {}).get("system_metadata") or {}).get(
            resources.PRESERVED_PORTS, "")).split(",")))
        await self.driver.destroy(uuid)
        await resources.release_ports(self.agent.clients.network, uuid, preserved)
        await resources.detach_volumes(self.agent.clients.volume, payload.get("bdms") or [])
        await self.agent.clients.placement.delete_allocations(uuid)
        await self.event(payload, event, "Success")
        await self.agent.conductor(Method.INSTANCE_DESTROY, {"instance_uuid": uuid})

    # -- power actions, rebuild, snapshot ------------------------------------------------

    async def _power(self, method: str, payload: dict[str, Any]) -> None:
        expected, call, vm_state, power_state, event = POWER_ACTIONS[method]
        uuid = payload["instance_uuid"]
        await self.event(payload, event, None)
        try:
            operation = getattr(self.driver, call)
            if call == "reboot":
                await operation(uuid, payload.get("reboot_type", "SOFT"))
            else:
                await operation(uuid)
        except Exception as exc:  # the driver refused: back to no task, event Error
            await self.fault(uuid, exc)
            await self.finish(payload, {"task_state": None}, list(expected), event, "Error",
                              str(exc))
            return
        await self.finish(payload, {"vm_state": vm_state, "power_state": power_state,
                                    "task_state": None}, list(expected), event, "Success")

    async def rebuild(self, payload: dict[str, Any]) -> None:
        uuid = payload["instance_uuid"]
        event = "compute_rebuild_instance"
        await self.event(payload, event, None)
        step = await self.update(uuid, {"task_state": "rebuild_spawning"}, ["rebuilding"])
        if step is None:
            return
        await self.driver.destroy(uuid)
        await self.driver.spawn({**step, "image_ref": payload.get("image_ref")})
        await self.finish(payload, {
            "vm_state": "active", "power_state": PowerState.RUNNING, "task_state": None,
            "image_ref": payload.get("image_ref"), "launched_at": _now_iso()},
            ["rebuild_spawning"], event, "Success")

    async def snapshot(self, payload: dict[str, Any]) -> None:
        uuid = payload["instance_uuid"]
        event = "compute_snapshot_instance"
        await self.event(payload, event, None)
        try:
            await self.update(uuid, {"task_state": "image_pending_upload"},
                              ["image_snapshot"])
            data = await self.driver.snapshot(uuid)
            await self.update(uuid, {"task_state": "image_uploading"},
                              ["image_pending_upload"])
            await self.agent.clients.image.upload(payload["image_id"], data)
        except Exception as exc:
            await self.finish(payload, {"task_state": None}, None, event, "Error", str(exc))
            return
        await self.finish(payload, {"task_state": None}, ["image_uploading"], event, "Success")


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None).isoformat()
