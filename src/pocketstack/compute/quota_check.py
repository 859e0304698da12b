"""Quota checks of a boot, where Nova makes them (§3.4): in the API before answering 202
(how many of ``min_count``..``max_count`` fit, or 403), and in the super-conductor once the
instance exists (``[quota] recheck_quota``: a race past the limit puts it in ERROR)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.compute.objects import boot, quotas
from pocketstack.compute.service import Compute

__all__ = ["allowed_count", "check_deltas", "recheck"]


async def _limits_and_usage(svc: Compute, project_id: str, user_id: str
                            ) -> list[tuple[dict[str, int], quotas.Usage]]:
    """The project's limits and usage, and the user's too when the user has own limits.
    Where every counted resource is unlimited nothing can be over, so nothing is counted
    (a scan of every cell saved on each boot)."""
    settings = svc.settings.quota
    async with svc.reading() as api:
        limits, own = await quotas.limits_and_user_rows(api, settings, project_id, user_id)

    async def usage(effective: Mapping[str, int], **who: str) -> quotas.Usage:
        if all(effective[resource] < 0 for resource in quotas.COUNTED):
            return quotas.Usage()
        return await quotas.count(settings, svc, svc.cells.all(), svc.clients.placement,
                                  project_id, within=svc.settings.cells.timeout, **who)

    found = [(limits, await usage(limits))]
    if any(resource in quotas.COUNTED for resource in own):
        mine = {**limits, **own}
        found.append((mine, await usage(mine, user_id=user_id)))
    return found


def _fits(limits: Mapping[str, int], usage: quotas.Usage, vcpus: int, ram: int) -> int | None:
    """How many instances of the flavor fit (None: no limit)."""
    room = quotas.headroom_of(limits, usage)
    fits = [room["instances"]]
    if vcpus and room["cores"] is not None:
        fits.append(room["cores"] // vcpus)
    if ram and room["ram"] is not None:
        fits.append(room["ram"] // ram)
    known = [f for f in fits if f is not None]
    return min(known) if known else None


async def allowed_count(svc: Compute, caller: boot.Caller, body: Mapping[str, Any],
                        flavor: Mapping[str, Any]) -> int:
    """How many instances this boot builds: ``max_count`` when they fit, fewer (not below
    ``min_count``) when only those fit; ``OverQuota`` otherwise (``BootForbidden`` past the
    metadata items)."""
    low, high = boot.counts(body)
    vcpus, ram = int(flavor["vcpus"]), int(flavor["memory_mb"])
    allowed = high
    for limits, usage in await _limits_and_usage(svc, caller.project_id, caller.user_id):
        if len(body.get("metadata") or {}) > limits["metadata_items"] >= 0:
            raise boot.BootForbidden(
                f"Maximum number of metadata items exceeds {limits['metadata_items']}")
        try:
            quotas.check(limits, usage, {"instances": high, "cores": high * vcpus,
                                         "ram": high * ram})
        except quotas.OverQuota:
            fits = _fits(limits, usage, vcpus, ram)
            if fits is None or fits < low:
                raise
            allowed = min(allowed, fits)
    return allowed


async def recheck(svc: Compute, project_id: str, user_id: str) -> None:
    """``OverQuota`` when the project (user) is now past a limit."""
    if not svc.settings.quota.recheck_quota:
        return
    for limits, usage in await _limits_and_usage(svc, project_id, user_id):
        quotas.check(limits, usage, {"instances": 0, "cores": 0, "ram": 0})


async def check_deltas(svc: Compute, project_id: str, user_id: str, *, cores: int,
                       ram: int) -> None:
    """A resize or revert that grows the server (§3.4): ``OverQuota`` when the growth does
    not fit (a shrink is never checked)."""
    deltas = {name: amount for name, amount in (("cores", cores), ("ram", ram)) if amount > 0}
    if not deltas:
        return
    for limits, usage in await _limits_and_usage(svc, project_id, user_id):
        quotas.check(limits, usage, deltas)
