"""Compute microversions (Nova 2.1 to 2.96): one entry per version, what it changed.

No header means 2.1; ``latest`` means the maximum. We advertise no higher than we implement:
clients ask for the highest version advertised and expect that version's shapes.
"""

from __future__ import annotations

from pocketstack.common.microversion import VersionRange

__all__ = ["VERSIONS", "VERSION_RANGE"]

# (version, what changed). Filled entry by entry by the resources that implement them.
VERSIONS: list[tuple[str, str]] = [
    ("2.1", "The v2.1 API: the base of every resource"),
    ("2.96", "pinned_availability_zone in server show and detail"),
]

VERSION_RANGE = VersionRange(
    service="compute",
    minimum=(2, 1),
    maximum=(2, int(VERSIONS[-1][0].split(".")[1])),
    legacy_header="X-OpenStack-Nova-API-Version",
)
