"""What the objects of this service share: the clock and the rows' dataclasses."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

__all__ = ["Attachment", "Volume", "VolumeType", "now"]


def now() -> datetime.datetime:
    """UTC now without tzinfo (how every timestamp column here stores time)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


@dataclasses.dataclass(frozen=True, slots=True)
class VolumeType:
    id: str
    name: str
    description: str | None
    is_public: bool
    extra_specs: dict[str, str]
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> VolumeType:
        return cls(
            row.id,
            row.name,
            row.description,
            bool(row.is_public),
            dict(row.extra_specs or {}),
            row.created_at,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Attachment:
    id: str
    volume_id: str
    project_id: str
    instance_uuid: str | None
    attach_status: str
    attach_mode: str
    attached_host: str | None
    mountpoint: str | None
    connector: dict[str, Any] | None
    connection_info: dict[str, Any] | None
    attach_time: datetime.datetime | None
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> Attachment:
        return cls(
            row.id,
            row.volume_id,
            row.project_id,
            row.instance_uuid,
            row.attach_status,
            row.attach_mode,
            row.attached_host,
            row.mountpoint,
            row.connector,
            row.connection_info,
            row.attach_time,
            row.created_at,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Volume:
    id: str
    project_id: str
    user_id: str
    name: str | None
    description: str | None
    size: int
    status: str
    status_reason: str | None
    volume_type: VolumeType
    availability_zone: str
    bootable: bool
    metadata: dict[str, str]
    created_at: datetime.datetime
    updated_at: datetime.datetime | None
    attachments: tuple[Attachment, ...] = ()
