"""The face test set (``../shared/data/faces`` beside the repository, or
``POCKETSTACK_FACES_DIR``): identities/<Name>/*.jpg, scenes/, pairs.csv.

Tests that need it skip with the reason when it is absent (CI provides it)."""

from __future__ import annotations

import csv
import dataclasses
import os
from pathlib import Path

import pytest

__all__ = ["Pair", "faces_dir", "identities", "pairs"]


def faces_dir() -> Path:
    configured = os.environ.get("POCKETSTACK_FACES_DIR")
    root = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared"
    path = root if configured else root / "data" / "faces"
    if not (path / "pairs.csv").is_file():
        pytest.skip(f"the face test set is not at {path}")
    return path


def identities() -> dict[str, list[Path]]:
    """Each identity's images, sorted by file name."""
    root = faces_dir() / "identities"
    return {d.name: sorted(p for p in d.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
            for d in sorted(root.iterdir()) if d.is_dir()}


@dataclasses.dataclass(frozen=True)
class Pair:
    a: Path
    b: Path
    same: bool


def pairs() -> list[Pair]:
    root = faces_dir()
    with (root / "pairs.csv").open(newline="") as handle:
        return [Pair(root / row["image_a"], root / row["image_b"], row["same"] == "1")
                for row in csv.DictReader(handle)]
