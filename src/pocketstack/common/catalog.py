"""What a service registers in the catalog: type, name and public URL."""

from __future__ import annotations

import dataclasses

__all__ = ["CatalogEntry"]


@dataclasses.dataclass(frozen=True)
class CatalogEntry:
    type: str  # the service type clients look up ("placement", "block-storage", ...)
    name: str  # the service name ("placement", "cinderv3", ...)
    url: str  # public URL, the same for every interface in all-in-one
