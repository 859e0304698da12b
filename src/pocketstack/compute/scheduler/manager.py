"""The scheduler: ``select_destinations`` for the instances of one request.

Placement narrows the hosts to those with room (allocation candidates), the filters drop
those the request may not use, the weighers order the rest; the best one is claimed in
placement (on a 409 the next is tried) and up to ``max_attempts - 1`` alternates of the same
cell come with it, unclaimed, for the cell conductor's reschedules.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from typing import Any

from pocketstack.compute import rpc
from pocketstack.compute.objects import scheduling
from pocketstack.compute.objects.build_requests import get_request_spec
from pocketstack.compute.objects.scheduling import HostState
from pocketstack.compute.scheduler.candidates import SharedCandidates, consume, fits
from pocketstack.compute.scheduler.filters import FilterRequest, run_filters
from pocketstack.compute.scheduler.request_groups import RequestInvalid, placement_request
from pocketstack.compute.scheduler.weighers import (
    DEFAULT_WEIGHERS,
    cross_cell_weight,
    sort_hosts,
)
from pocketstack.compute.service import Compute

__all__ = ["NO_VALID_HOST", "NoValidHost", "resources_of", "select_destinations"]

log = logging.getLogger("pocketstack.compute.scheduler")

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


class NoValidHost(Exception):
    def __init__(self, reason: str = NO_VALID_HOST) -> None:
        super().__init__(reason)


def resources_of(spec: dict[str, Any]) -> dict[str, int]:
    """What the instance asks of placement (no disk when it boots from a volume)."""
    flavor = spec["flavor"]
    disk = 0
    if not spec.get("is_bfv"):
        disk = (int(flavor.get("root_gb", 0)) + int(flavor.get("ephemeral_gb", 0))
                + math.ceil(int(flavor.get("swap", 0)) / 1024))
    return {"VCPU": int(flavor["vcpus"]), "MEMORY_MB": int(flavor["memory_mb"]),
            "DISK_GB": disk}


async def _filter_request(svc: Compute, spec: dict[str, Any]) -> FilterRequest:
    request = FilterRequest(availability_zone=spec.get("availability_zone"),
                            ignore_hosts=set(spec.get("ignore_hosts") or []))
    destination = spec.get("requested_destination") or {}
    request.force_host = destination.get("host")
    request.force_node = destination.get("node")
    if destination.get("allow_cross_cell_move") and destination.get("cell"):
        request.preferred_cell = destination["cell"]
    group = spec.get("instance_group")
    if group:
        request.group_policy = group.get("policy")
        request.max_server_per_host = (group.get("rules") or {}).get("max_server_per_host")
        async with svc.reading() as api:
            members = await scheduling.group_members(api, group["uuid"])
        others = [m for m in members if m != spec["instance_uuid"]]
        placed = await scheduling.hosts_of(svc.cells.computes(), others,
                                           timeout=svc.settings.cells.timeout)
        request.group_host_counts = dict(Counter(placed.values()))
        request.group_hosts = set(placed.values())
    return request


def _free_ram(summaries: dict[str, Any], host: HostState) -> int:
    memory = (summaries.get(host.uuid) or {}).get("resources", {}).get("MEMORY_MB")
    if not memory:
        return host.free_ram_mb
    return int(memory["capacity"]) - int(memory["used"])


def _by_host(candidates: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each compute node (root provider) -> its allocation requests (several when it has
    several devices a request could take)."""
    summaries = candidates.get("provider_summaries", {})
    found: dict[str, list[dict[str, Any]]] = {}
    for allocation_request in candidates.get("allocation_requests", []):
        roots = {(summaries.get(rp) or {}).get("root_provider_uuid") or rp
                 for rp in allocation_request.get("allocations", {})}
        for root in roots:
            found.setdefault(root, []).append(allocation_request)
    return found


async def _select_one(svc: Compute, spec: dict[str, Any], hosts: list[HostState],
                      request: FilterRequest, shared: SharedCandidates
                      ) -> list[rpc.Selection]:
    settings = svc.settings.compute
    try:
        wanted = placement_request(resources_of(spec),
                                   (spec["flavor"].get("extra_specs") or {}),
                                   svc.settings.pci.alias)
    except RequestInvalid as exc:
        raise NoValidHost(str(exc)) from None

    async def ask() -> dict[str, Any]:
        return await svc.clients.placement.allocation_candidates(
            wanted.resources, limit=settings.max_placement_results, groups=wanted.groups,
            required=wanted.required, group_policy=wanted.group_policy)

    candidates, asked = await shared.get(wanted, ask)
    chosen = await _claim_best(svc, spec, hosts, request, candidates)
    if chosen is None and not asked:  # another call's answer ran out: placement's own
        candidates, _ = await shared.get(wanted, ask, fresh=True)
        chosen = await _claim_best(svc, spec, hosts, request, candidates)
    if chosen is None:
        raise NoValidHost()
    return chosen


async def _claim_best(svc: Compute, spec: dict[str, Any], hosts: list[HostState],
                      request: FilterRequest, candidates: dict[str, Any]
                      ) -> list[rpc.Selection] | None:
    """Claim the best host of ``candidates`` that takes the instance (the chosen selection
    first, then its alternates), counting the claim in them; None when none does."""
    settings = svc.settings.compute
    by_host = _by_host(candidates)
    summaries = candidates.get("provider_summaries", {})
    possible = [h for h in hosts if h.uuid in by_host]
    for host in possible:
        host.free_ram_mb = _free_ram(summaries, host)
    weighers = (*DEFAULT_WEIGHERS,
                (cross_cell_weight, settings.cross_cell_move_weight_multiplier))
    ordered = sort_hosts(run_filters(possible, request), request, weighers)
    for index, host in enumerate(ordered):
        for allocation_request in by_host[host.uuid]:  # another device when one is taken
            if not fits(candidates, allocation_request):  # filled by earlier claims
                continue
            if not await _claim_counted(svc, spec, candidates, allocation_request):
                continue
            same_cell = [h for h in ordered[index + 1:] if h.cell_uuid == host.cell_uuid]
            alternates = same_cell[:max(settings.max_attempts - 1, 0)]
            return [_selection(host, allocation_request),
                    *(_selection(h, by_host[h.uuid][0]) for h in alternates)]
    return None


async def _claim_counted(svc: Compute, spec: dict[str, Any], candidates: dict[str, Any],
                         allocation_request: dict[str, Any]) -> bool:
    """Claim in placement, the claim counted in ``candidates`` while placement answers (the
    calls beside this one weigh with it) and taken back out when it is refused."""
    consume(candidates, allocation_request)
    claimed = False
    try:
        claimed = await svc.clients.placement.claim(
            spec["instance_uuid"], allocation_request, spec["project_id"], spec["user_id"])
    finally:
        if not claimed:
            consume(candidates, allocation_request, -1)
    return claimed


def _selection(host: HostState, allocation_request: dict[str, Any]) -> rpc.Selection:
    return rpc.Selection(host=host.host, nodename=host.nodename, cell_uuid=host.cell_uuid,
                         compute_node_uuid=host.uuid, allocation_request=allocation_request,
                         availability_zone=host.availability_zone)


def _cells_for(svc: Compute, specs: list[dict[str, Any] | None]) -> list[Any]:
    """The enabled cells that answer; a move that may not leave its cell: only that one."""
    reachable = [cell for cell in svc.cells.enabled() if not cell.health.is_down]
    for spec in specs:
        destination = (spec or {}).get("requested_destination") or {}
        if destination.get("cell") and not destination.get("allow_cross_cell_move"):
            reachable = [cell for cell in reachable if cell.uuid == destination["cell"]]
    return reachable


async def select_destinations(svc: Compute, instance_uuids: list[str],
                              spec: dict[str, Any] | None = None,
                              shared: SharedCandidates | None = None
                              ) -> list[list[rpc.Selection]]:
    """The selections of each instance, in order; ``NoValidHost`` when one has none (the
    claims already made for the others are released). A move passes its own ``spec`` (the
    new flavor, the hosts to avoid, its cell) for its one instance. ``shared``: the
    scheduler's candidates, shared with the calls in flight beside this one."""
    shared = shared if shared is not None else SharedCandidates()
    async with svc.reading() as api:
        specs: list[dict[str, Any] | None] = (
            [spec] if spec is not None else
            [await get_request_spec(api, uuid) for uuid in instance_uuids])
        reachable = _cells_for(svc, specs)
        hosts = await scheduling.host_states(
            api, reachable, down_after=svc.settings.compute.service_down_time,
            timeout=svc.settings.cells.timeout)
    made: list[list[rpc.Selection]] = []
    try:
        for uuid, spec in zip(instance_uuids, specs, strict=True):
            if spec is None:
                raise NoValidHost(f"Request spec of {uuid} not found")
            request = await _filter_request(svc, {**spec, "instance_uuid": uuid})
            for earlier in made:  # the request's own members count for its group
                if request.group_policy:
                    request.group_hosts.add(earlier[0]["host"])
                    counts = request.group_host_counts
                    counts[earlier[0]["host"]] = counts.get(earlier[0]["host"], 0) + 1
            made.append(await _select_one(svc, {**spec, "instance_uuid": uuid}, hosts,
                                          request, shared))
    except NoValidHost:
        for uuid in instance_uuids[:len(made)]:
            await svc.clients.placement.delete_allocations(uuid)
        raise
    return made


async def serve(svc: Compute, method: str, payload: dict[str, Any],
                shared: SharedCandidates | None = None) -> Any:
    """The scheduler's bus handler (``shared``: its candidates, one per scheduler)."""
    if method != rpc.SELECT_DESTINATIONS:
        raise ValueError(f"unknown scheduler method {method}")
    return await select_destinations(svc, list(payload["instance_uuids"]),
                                     payload.get("request_spec"), shared)
