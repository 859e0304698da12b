"""Start compute's workers in this process: the super-conductor, the scheduler, one conductor
per cell, and the fake host agents of each cell (all-in-one).

(Placeholder until the boot engine lands: starts nothing.)
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from pocketstack.compute.service import Compute

__all__ = ["start_engine", "start_hosts"]


async def start_engine(svc: Compute, stack: AsyncExitStack) -> None:
    """The super-conductor and scheduler on the API bus, a conductor on each cell's bus, and
    the periodic host discovery; stopped when ``stack`` closes."""


async def start_hosts(svc: Compute, stack: AsyncExitStack) -> None:
    """``[compute] hosts_per_cell`` fake host agents in every cell but cell0."""
