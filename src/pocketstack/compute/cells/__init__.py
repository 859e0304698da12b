"""Cells: mappings and per-cell handles, the buses, scatter-gather and cross-cell listing."""

from __future__ import annotations

from pocketstack.compute.cells.buses import BusHub
from pocketstack.compute.cells.registry import (
    CELL0_NAME,
    CELL0_UUID,
    CellHandle,
    CellMapping,
    CellNotFound,
    CellRegistry,
)
from pocketstack.compute.cells.scatter import CellResult, scatter_gather

__all__ = [
    "CELL0_NAME",
    "CELL0_UUID",
    "BusHub",
    "CellHandle",
    "CellMapping",
    "CellNotFound",
    "CellRegistry",
    "CellResult",
    "scatter_gather",
]
