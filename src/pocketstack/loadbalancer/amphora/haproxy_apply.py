"""Bring one HAProxy to a rendered configuration: write, check, start or reload hitlessly.

Shared by the SINGLE load balancer (one HAProxy in the host's namespace) and each node of an
ACTIVE_STANDBY pair (one HAProxy per amphora, in its own network namespace): the caller says
which ``HaproxyProcess`` and what text; this module owns the files of ``LbPaths``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import AmphoraError
from pocketstack.loadbalancer.amphora.haproxy_backend import PING_SCRIPT
from pocketstack.loadbalancer.amphora.haproxy_config import LbPaths, tls_files
from pocketstack.loadbalancer.amphora.haproxy_process import HaproxyProcess
from pocketstack.loadbalancer.amphora.model import LoadBalancerConfig

__all__ = ["apply_haproxy", "private_dir", "write_private"]

log = logging.getLogger("pocketstack.loadbalancer.amphora")


async def apply_haproxy(
    process: HaproxyProcess,
    config: LoadBalancerConfig,
    text: str,
    *,
    name: str,
    before_reload: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Make ``process`` serve ``text`` (the rendered ``haproxy.cfg`` of ``config``): nothing
    when it already does, else check it with ``haproxy -c`` (a refused one raises AmphoraError
    and the running one is untouched), then start or reload, restoring the previous
    configuration file when that fails. ``name`` says whose HAProxy it is, in the log."""
    paths = process.paths
    running = process.master_pid() is not None
    previous = await asyncio.to_thread(_read, paths.config)
    if running and previous == text:
        return
    candidate = paths.root / "haproxy.cfg.new"
    files = tls_files(config, paths.certs)
    await asyncio.to_thread(_write_files, paths, files, candidate, text)
    try:
        await process.check_config(candidate)
    except AmphoraError:
        candidate.unlink(missing_ok=True)
        raise
    candidate.replace(paths.config)
    started = time.monotonic()
    if running and before_reload is not None:
        await before_reload()
    try:
        await (process.reload() if running else process.start())
    except AmphoraError as error:
        log.warning("%s: %s", name, error)
        if running and previous is not None:
            await asyncio.to_thread(write_private, paths.config, previous)
        elif not running:
            await process.stop()
        raise
    elapsed_ms = (time.monotonic() - started) * 1000
    action = "reloaded" if running else "started"
    log.info("%s: haproxy %s in %.0f ms", name, action, elapsed_ms)
    await asyncio.to_thread(_prune_certs, paths.certs, set(files))


def private_dir(directory: Path) -> None:
    """Create ``directory`` (mode 0700), refusing one that someone else made or a link."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = directory.lstat()
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid():
        raise AmphoraError(f"{directory} is not a directory of this user's")
    directory.chmod(0o700)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` readable by the owner only, replacing ``path`` atomically."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(temporary, mode)
    temporary.replace(path)


def _write_files(paths: LbPaths, files: dict[str, str], candidate: Path, text: str) -> None:
    for directory in (paths.root, paths.certs):
        private_dir(directory)
    if paths.run is not None:
        private_dir(paths.run.parent)
        private_dir(paths.run)
    for name, content in files.items():
        path = paths.certs / name
        if _read(path) != content:
            write_private(path, content)
    if not paths.server_state.exists():
        write_private(paths.server_state, "1\n")  # an empty state, in the format's version 1
    if "external-check command" in text and _read(paths.ping_check) != PING_SCRIPT:
        write_private(paths.ping_check, PING_SCRIPT)
        paths.ping_check.chmod(0o700)  # HAProxy runs it
    write_private(candidate, text)


def _prune_certs(certs: Path, keep: set[str]) -> None:
    """Delete the files no configuration refers to any more (the running worker has read
    what it needs; files are named by content, so a kept name holds the same bytes)."""
    if certs.is_dir():
        for path in certs.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)
