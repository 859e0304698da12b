"""Start compute's workers in this process: the super-conductor, the scheduler, one conductor
per cell, and the fake host agents of each cell (all-in-one).

Everything started here stops when the lifespan's ``stack`` closes: subscriptions are
cancelled, background tasks (host discovery, resync, heartbeats) too. The host agents and
their drivers stay reachable for tests as ``svc.hosts`` (host name -> ``HostAgent``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from pocketstack.common.bus import Subscription
from pocketstack.compute import rpc
from pocketstack.compute.cells.probe import recheck_forever
from pocketstack.compute.conductor.cell import CellConductor
from pocketstack.compute.conductor.gate import WriteGate
from pocketstack.compute.conductor.migrate import migrate_server
from pocketstack.compute.conductor.move_resume import confirm_overdue_forever, resume_moves
from pocketstack.compute.conductor.resize_end import confirm_resize, revert_resize
from pocketstack.compute.conductor.resync import LeftBehind, left_behind, resume
from pocketstack.compute.conductor.super import schedule_and_build
from pocketstack.compute.host.agent import HostAgent, HostClients
from pocketstack.compute.host.devices import device_providers
from pocketstack.compute.objects import cell_admin
from pocketstack.compute.scheduler import manager
from pocketstack.compute.scheduler.candidates import SharedCandidates
from pocketstack.compute.service import Compute
from pocketstack.compute.virt.fake import FakeHypervisor
from pocketstack.compute.virt.gpus import discover

__all__ = ["Engine", "engine_of", "hosts_of", "start_engine", "start_hosts"]

READY_WAIT = 30.0  # seconds a boot waits for the hosts of a starting cloud

log = logging.getLogger("pocketstack.compute.engine")


@dataclasses.dataclass
class Engine:
    """What this process runs for compute: its host agents (by host name), and ``ready``,
    set once they have registered and been discovered (boots wait for it)."""

    hosts: dict[str, HostAgent] = dataclasses.field(default_factory=dict)
    ready: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    left: LeftBehind | None = None  # read at start, resumed once the hosts are up
    gate: WriteGate = dataclasses.field(default_factory=WriteGate)
    candidates: SharedCandidates = dataclasses.field(default_factory=SharedCandidates)


def engine_of(svc: Compute) -> Engine:
    """The engine state kept on ``svc`` (the one runtime attribute launch adds)."""
    found = getattr(svc, "launched", None)
    if not isinstance(found, Engine):
        found = Engine()
        setattr(svc, "launched", found)  # noqa: B010 - the one runtime attribute
    return found


def hosts_of(svc: Compute) -> dict[str, HostAgent]:
    """The host agents this process runs (empty before ``start_hosts``)."""
    return engine_of(svc).hosts


def _cancel_on_close(stack: AsyncExitStack, subscription: Subscription) -> None:
    stack.push_async_callback(subscription.cancel)


_MOVES = {rpc.MIGRATE_SERVER: migrate_server, rpc.CONFIRM_RESIZE: confirm_resize,
          rpc.REVERT_RESIZE: revert_resize}


async def _super_conductor(svc: Compute, method: str, payload: dict[str, Any]) -> None:
    if method != rpc.SCHEDULE_AND_BUILD and method not in _MOVES:
        raise ValueError(f"unknown super-conductor method {method}")
    engine = engine_of(svc)
    if not engine.ready.is_set():  # the cloud is still starting: let the hosts register
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(engine.ready.wait(), READY_WAIT)
    if method == rpc.SCHEDULE_AND_BUILD:
        await schedule_and_build(svc, engine.gate, payload)
        return
    await _MOVES[method](svc, engine.gate, payload["migration_uuid"], payload["cell_uuid"])


async def _discover_forever(svc: Compute, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        cells = [cell for cell in svc.cells.computes() if not cell.health.is_down]
        try:
            async with asyncio.timeout(svc.settings.cells.timeout):
                if not await cell_admin.has_unmapped_hosts(cells):
                    continue
                async with svc.writing() as api:
                    found = await cell_admin.discover_hosts(api, cells)
        except cell_admin.CellAdminError as exc:  # a host mapped twice: logged, retried
            log.warning("host discovery: %s", exc)
            continue
        except (TimeoutError, OSError, SQLAlchemyError) as exc:  # a cell went down meanwhile
            log.warning("host discovery: %s: %s", type(exc).__name__, exc)
            continue
        if found:
            log.info("discovered hosts %s", found)


async def start_engine(svc: Compute, stack: AsyncExitStack) -> None:
    """The super-conductor and scheduler on the API bus, a conductor on each cell's bus, and
    the periodic host discovery; stopped when ``stack`` closes."""

    async def conductor(method: str, payload: dict[str, Any]) -> None:
        await _super_conductor(svc, method, payload)

    async def scheduler(method: str, payload: dict[str, Any]) -> Any:
        return await manager.serve(svc, method, payload, engine_of(svc).candidates)

    _cancel_on_close(stack, await svc.api_bus.serve(rpc.API_CONDUCTOR, conductor))
    _cancel_on_close(stack, await svc.api_bus.serve(rpc.SCHEDULER, scheduler))
    for cell in svc.cells.computes():
        bus = await svc.cell_bus(cell)
        handler = CellConductor(cell, bus, svc.clients.placement, engine_of(svc).gate)
        _cancel_on_close(stack, await bus.serve(rpc.CELL_CONDUCTOR, handler.handle))
    interval = svc.settings.compute.discover_hosts_interval
    if interval > 0:
        task = svc.tasks.spawn(_discover_forever(svc, interval), name="discover hosts",
                               finishable=False)
        stack.callback(task.cancel)
    cells = svc.settings.cells
    probe = svc.tasks.spawn(recheck_forever(svc.cells, svc.cell_transport_url,
                                            interval=cells.recheck_interval,
                                            timeout=cells.timeout),
                            name="cell health probe", finishable=False)
    stack.callback(probe.cancel)
    engine = engine_of(svc)
    engine.left = await left_behind(svc)
    if svc.settings.compute.resize_confirm_window > 0:
        confirming = svc.tasks.spawn(confirm_overdue_forever(svc, engine.gate),
                                     name="resize auto-confirm", finishable=False)
        stack.callback(confirming.cancel)
    if svc.settings.compute.hosts_per_cell <= 0:
        engine.ready.set()
        _spawn(svc, stack, _resync(svc, engine), "compute resync")


async def _resync(svc: Compute, engine: Engine) -> None:
    """What the last run left half-way: builds and actions, then migrations."""
    if engine.left is not None:
        await resume(svc, engine.gate, engine.left)
    await resume_moves(svc, engine.gate)


def _spawn(svc: Compute, stack: AsyncExitStack, work: Coroutine[Any, Any, None],
           name: str) -> None:
    task = svc.tasks.spawn(work, name=name)
    stack.callback(task.cancel)


async def _bring_up(svc: Compute, agents: list[HostAgent]) -> None:
    """Start the agents (their first reports reach placement, which waits for the cloud to
    be assembled), map their hosts, mark the engine ready, then resync."""
    outcomes = await asyncio.gather(*(agent.start() for agent in agents),
                                    return_exceptions=True)
    for agent, outcome in zip(agents, outcomes, strict=True):
        if isinstance(outcome, BaseException):  # the others still serve
            log.error("host %s did not start: %r", agent.host, outcome)
    async with svc.writing() as api:
        await cell_admin.discover_hosts(api, svc.cells.computes())
    engine = engine_of(svc)
    engine.ready.set()
    await _resync(svc, engine)


async def start_hosts(svc: Compute, stack: AsyncExitStack) -> None:
    """``[compute] hosts_per_cell`` fake host agents in every cell but cell0, the last
    ``gpu_hosts_per_cell`` of them with GPUs."""
    settings = svc.settings.compute
    failing = {name.strip() for name in settings.fail_spawn_on.split(",") if name.strip()}
    clients = HostClients(svc.clients.placement, svc.clients.image, svc.clients.network,
                          svc.clients.volume)
    agents: dict[str, HostAgent] = {}
    for cell in svc.cells.computes():
        bus = await svc.cell_bus(cell)
        for number in range(1, settings.hosts_per_cell + 1):
            host = f"{cell.name}-host{number}"
            driver = FakeHypervisor(
                host, vcpus=settings.host_vcpus, memory_mb=settings.host_memory_mb,
                disk_gb=settings.host_disk_gb, spawn_latency=settings.spawn_latency,
                power_latency=settings.power_latency, fail_spawn=host in failing)
            gpu_host = number > settings.hosts_per_cell - settings.gpu_hosts_per_cell
            devices = device_providers(
                host, discover(settings.gpu_model, settings.gpus_per_host).devices(),
                svc.settings.pci, svc.settings.devices) if gpu_host else []
            agent = HostAgent(host, bus, clients, driver, devices=devices,
                              report_interval=settings.report_interval)
            stack.push_async_callback(agent.stop)
            agents[host] = agent
    engine_of(svc).hosts.update(agents)
    _spawn(svc, stack, _bring_up(svc, list(agents.values())), "compute hosts start")
