"""The reconciler runtime: typed outcomes, a single-flight work queue, workers and resync.

A service's reconciler (``reconcilers/`` in its package) implements ``Reconciler``; its lifespan
builds a ``ReconcilerRuntime`` for it, starts it, hands ``runtime.nudge`` to whatever writes
records, and stops it on shutdown. See ARCHITECTURE.md, "Long-running work".
"""

from __future__ import annotations

from pocketstack.common.reconcile.outcomes import (
    Done,
    ExponentialBackoff,
    Outcome,
    PermanentError,
    Requeue,
    TemporaryError,
)
from pocketstack.common.reconcile.queue import QueueShutDown, WorkQueue
from pocketstack.common.reconcile.runtime import Reconciler, ReconcilerRuntime, RuntimeStats
from pocketstack.common.reconcile.tasks import GuardedTasks, spawn_guarded

__all__ = [
    "Done",
    "ExponentialBackoff",
    "GuardedTasks",
    "Outcome",
    "PermanentError",
    "QueueShutDown",
    "Reconciler",
    "ReconcilerRuntime",
    "Requeue",
    "RuntimeStats",
    "TemporaryError",
    "WorkQueue",
    "spawn_guarded",
]
