"""Rendered server views, kept as JSON bytes: a list answers from them for every server
whose row has not changed since (keyed by cell, uuid and the row's ``revision``, which every
change raises, and by the request's view options). Bounded: the oldest entries go first.
The same keeps the decoded records of build requests, which never change."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["ViewCache"]

V = TypeVar("V")


class ViewCache(Generic[V]):
    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self._views: dict[Hashable, V] = {}

    def get(self, key: Hashable) -> V | None:
        return self._views.get(key)

    def put(self, key: Hashable, view: V) -> None:
        views = self._views
        if key not in views and len(views) >= self.size:
            del views[next(iter(views))]  # the oldest
        views[key] = view

    def __len__(self) -> int:
        return len(self._views)
