"""Microversion parsing and negotiation, pure functions shared by microversioned services.

A service declares its ``header_name`` (``compute``, ``placement``, ...) and version range;
the middleware reads ``OpenStack-API-Version: <name> X.Y`` (and a legacy header, for Nova),
answers 406 outside the range, and echoes the version with ``Vary``.
"""

from __future__ import annotations

import dataclasses
import re

__all__ = ["VersionError", "VersionRange", "negotiate", "parse_version"]

Version = tuple[int, int]

_VERSION = re.compile(r"^\s*(\d+)\.(\d+)\s*$")


class VersionError(ValueError):
    """The requested version is malformed or outside the service's range."""


def parse_version(text: str) -> Version:
    match = _VERSION.match(text)
    if not match:
        raise VersionError(f"Invalid version string: {text!r}")
    return int(match.group(1)), int(match.group(2))


@dataclasses.dataclass(frozen=True)
class VersionRange:
    service: str  # the name used in the OpenStack-API-Version header
    minimum: Version
    maximum: Version
    legacy_header: str | None = None  # e.g. "x-openstack-nova-api-version"
    # Error codes for a version out of range / malformed, where the service's errors carry one.
    error_codes: tuple[str, str] | None = None

    @staticmethod
    def format(version: Version) -> str:
        return f"{version[0]}.{version[1]}"


def _requested(header_value: str | None, service: str) -> str | None:
    if header_value is None:
        return None
    for item in header_value.split(","):
        parts = item.strip().split(None, 1)
        if len(parts) == 2 and parts[0].lower() == service.lower():
            return parts[1].strip()
    return None


def negotiate(
    versions: VersionRange, header: str | None, legacy: str | None = None
) -> Version:
    """The version a request asked for: the minimum when absent, the maximum for ``latest``."""
    wanted = _requested(header, versions.service)
    if wanted is None:
        wanted = legacy.strip() if legacy else None
    if wanted is None:
        return versions.minimum
    if wanted.lower() == "latest":
        return versions.maximum
    version = parse_version(wanted)
    if not versions.minimum <= version <= versions.maximum:
        raise VersionError(
            f"Version {wanted} is not supported by the API. Minimum is "
            f"{VersionRange.format(versions.minimum)} and maximum is "
            f"{VersionRange.format(versions.maximum)}."
        )
    return version
