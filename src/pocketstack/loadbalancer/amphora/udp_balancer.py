"""A small userspace UDP load balancer: one process per load balancer's UDP listeners.

HAProxy cannot balance UDP and upstream's keepalived/LVS needs IPVS, so the ``haproxy``
provider runs this instead: ``python -m pocketstack.loadbalancer.amphora.udp_balancer
<udp.json>``, started by ``udp_process`` in its own session so that it outlives the
controller. It writes its pid to ``udp.pid`` beside the configuration (and removes it when
it exits), serves the configuration (``udp_forward``), re-reads it on SIGHUP (sessions of the
members and listeners that stay are kept) and exits on SIGTERM. Every second, and after each
load, it replaces ``udp-status.json``: the configuration's ``generation``, the load's errors,
listeners, pools, members and per-listener counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
import sys
import time
from pathlib import Path

from pocketstack.loadbalancer.amphora.udp_forward import MAX_SESSIONS, Balancer

__all__ = ["main", "serve"]

log = logging.getLogger("pocketstack.loadbalancer.udp")

_TICK = 1.0  # seconds between status writes and expiry sweeps


async def serve(config: Path) -> None:
    balancer = Balancer(config, _session_cap())
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    asked: set[str] = set()

    def ask(what: str) -> None:
        asked.add(what)
        wake.set()

    for signum, what in (
        (signal.SIGTERM, "stop"),
        (signal.SIGINT, "stop"),
        (signal.SIGHUP, "load"),
    ):
        loop.add_signal_handler(signum, ask, what)
    config.with_suffix(".pid").write_text(f"{os.getpid()}\n")  # signals are handled from now on
    await balancer.load()
    while "stop" not in asked:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), _TICK)
        wake.clear()
        if "load" in asked:
            asked.discard("load")
            try:
                await balancer.load()
            except (OSError, ValueError, KeyError) as error:
                log.error("cannot load %s: %s", config, error)
        balancer.sweep(time.monotonic())
        balancer.write_status()
    balancer.close()


def _session_cap() -> int:
    """MAX_SESSIONS, or fewer when the open-file limit (raised to its hard limit) is lower:
    every session holds one socket."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft == resource.RLIM_INFINITY:
        return MAX_SESSIONS
    return max(16, min(MAX_SESSIONS, soft - 128))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: udp_balancer <udp.json>", file=sys.stderr)
        return 2
    config = Path(argv[0]).absolute()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    pid_file = config.with_suffix(".pid")
    try:
        asyncio.run(serve(config))
    finally:
        with contextlib.suppress(OSError):
            if pid_file.read_text().strip() == str(os.getpid()):
                pid_file.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
