"""Listener counters that outlive HAProxy's workers.

A reload starts a new worker whose counters start at zero, and a restart a new process.
Octavia's statistics are cumulative, so before either the driver carries what the old
worker counted into ``counters.json`` (an offset per listener, beside the configuration)
and every observation adds it back. Active connections are a gauge, never carried.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import HealthReport, ListenerStats

__all__ = ["carried", "load_offsets", "save_offsets", "with_offsets"]

_CUMULATIVE = ("bytes_in", "bytes_out", "total_connections", "request_errors")


def load_offsets(path: Path) -> dict[str, ListenerStats]:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {lid: ListenerStats(**{k: int(v.get(k, 0)) for k in _CUMULATIVE})
            for lid, v in raw.items() if isinstance(v, dict)}


def save_offsets(path: Path, offsets: dict[str, ListenerStats]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({lid: {k: getattr(s, k) for k in _CUMULATIVE}
                               for lid, s in offsets.items()}))
    tmp.replace(path)


def with_offsets(report: HealthReport, offsets: dict[str, ListenerStats]) -> HealthReport:
    """``report`` with every listener's counters since the load balancer was made."""
    stats = {lid: dataclasses.replace(s, **{k: getattr(s, k) + getattr(offsets.get(
        lid, ListenerStats()), k) for k in _CUMULATIVE}) for lid, s in report.stats.items()}
    for lid, offset in offsets.items():
        stats.setdefault(lid, offset)
    return dataclasses.replace(report, stats=stats)


def carried(report: HealthReport) -> dict[str, ListenerStats]:
    """The offsets to keep before the worker behind ``report`` (already offset) goes."""
    return {lid: dataclasses.replace(s, active_connections=0)
            for lid, s in report.stats.items()}
