"""The few ways one reconcile of one key can end, and the backoff for temporary errors.

A reconciler reads the whole current state of a record, takes the next idempotent step and
answers with one of four values (controller-runtime's ``Result``/``error``, kopf's
``TemporaryError``/``PermanentError``), never with an event or a callback:

``Done()``
    The record is settled; forget its failure history.
``Requeue(after)``
    Progress was made (or the reconciler is waiting on something it observes); look again in
    ``after`` seconds. Not a failure: the backoff history is forgotten.
``TemporaryError(reason)``
    Something that may heal by itself (a database blip, a host not answering). Retry with
    exponential backoff per key.
``PermanentError(reason)``
    The record can never converge as asked. The runtime calls the reconciler's
    ``on_permanent_error`` once, which records ERROR with the reason, and stops retrying.

An exception escaping ``reconcile`` counts as a ``TemporaryError``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = [
    "Done",
    "ExponentialBackoff",
    "Outcome",
    "PermanentError",
    "Requeue",
    "TemporaryError",
]


@dataclass(frozen=True, slots=True)
class Done:
    """The record is settled; nothing is left to do until something changes it."""


@dataclass(frozen=True, slots=True)
class Requeue:
    """Reconcile the key again after ``after`` seconds (0 means as soon as a worker is free)."""

    after: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.after) or self.after < 0:
            raise ValueError(f"Requeue.after must be a finite number >= 0, not {self.after!r}")


@dataclass(frozen=True, slots=True)
class TemporaryError:
    """The step failed in a way that may heal; retry with backoff."""

    reason: str


@dataclass(frozen=True, slots=True)
class PermanentError:
    """The step failed for good; the record goes to ERROR with ``reason``."""

    reason: str


Outcome = Done | Requeue | TemporaryError | PermanentError


@dataclass(frozen=True, slots=True)
class ExponentialBackoff:
    """Delay before retry number ``failures``: ``base * factor ** (failures - 1)``, capped.

    ``jitter`` is a fraction (0 turns it off, the default): the delay is multiplied by a factor
    drawn uniformly from ``[1 - jitter, 1 + jitter]`` and capped again, so many keys failing at
    once spread their retries out.
    """

    base: float = 0.5
    cap: float = 60.0
    factor: float = 2.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError(f"need 0 < base <= cap, not base={self.base} cap={self.cap}")
        if self.factor < 1:
            raise ValueError(f"factor must be >= 1, not {self.factor}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be within [0, 1], not {self.jitter}")

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure (counted from 1)."""
        exponent = max(failures, 1) - 1
        # Stop growing once past the cap so the power cannot overflow a float.
        max_exponent = 0
        if self.factor > 1:
            max_exponent = math.ceil(math.log(self.cap / self.base, self.factor))
        raw = min(self.cap, self.base * self.factor ** min(exponent, max_exponent))
        if self.jitter:
            uniform = rng.uniform if rng is not None else random.uniform
            draw = uniform(1 - self.jitter, 1 + self.jitter)
            raw = min(self.cap, raw * draw)
        return raw
