"""``GET /v2/images`` query parameters → an :class:`ImageQuery`, and the ``first``/``next``
links of the answer. Pure functions; every refusal is a 400 in Glance's words.

Filters: ``id``, ``name``, ``status``, ``container_format``, ``disk_format`` (a value or
``in:a,b``), ``owner``, ``tag`` (repeatable, all must match), ``visibility``,
``member_status``, ``os_hidden``, ``protected``, ``size_min``, ``size_max``,
``created_at``/``updated_at`` (``<op>:<ISO 8601>``, op one of eq neq gt gte lt lte); any
other parameter matches an extra property. Sorting: ``sort=k1:dir,k2`` or repeated
``sort_key``/``sort_dir``. Paging: ``limit`` (default 25, at most 1000) and ``marker``.
"""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Sequence

from starlette.datastructures import QueryParams

from pocketstack.common.errors import ApiError
from pocketstack.image.objects.image_list import SORT_KEYS, TIME_OPERATORS, ImageQuery

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "links", "parse_query"]

DEFAULT_LIMIT = 25  # Glance's limit_param_default
MAX_LIMIT = 1000  # Glance's api_limit_max
_ONE_OF = ("id", "name", "status", "container_format", "disk_format")
_VISIBILITIES = ("community", "public", "private", "shared", "all")
_MEMBER_STATUSES = ("pending", "accepted", "rejected", "all")
_HANDLED = {
    *_ONE_OF,
    "owner",
    "tag",
    "visibility",
    "member_status",
    "os_hidden",
    "protected",
    "size_min",
    "size_max",
    "created_at",
    "updated_at",
    "limit",
    "marker",
    "sort",
    "sort_key",
    "sort_dir",
}


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _last(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    return values[-1] if values else None


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise _bad("limit param must be an integer") from None
    if limit < 0:
        raise _bad("limit param must be positive")
    return min(limit, MAX_LIMIT)


def _boolean(name: str, raw: str) -> bool:
    if raw.lower() not in ("true", "false"):
        raise _bad(
            f"Invalid value '{raw}' for '{name}' filter. Valid values are 'true' or 'false'."
        )
    return raw.lower() == "true"


def _size(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise _bad("Unable to filter using the specified range.")
    return int(raw)


def _one_of(raw: str) -> tuple[str, ...]:
    if not raw.startswith("in:"):
        return (raw,)
    return tuple(v.strip().strip('"') for v in raw[3:].split(",") if v.strip())


def _moment(raw: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment


def _time(name: str, raw: str) -> tuple[str, str, datetime.datetime]:
    """``<op>:<ISO 8601>``, or a bare timestamp (its colons are no operator) meaning ``eq``."""
    whole = _moment(raw)
    if whole is not None:
        return name, "eq", whole
    operator, _, value = raw.partition(":")
    if operator not in TIME_OPERATORS:
        raise _bad(f"Unable to filter on a unknown operator '{operator}'.")
    moment = _moment(value)
    if moment is None:
        raise _bad(f"Invalid time format for {name}.")
    return name, operator, moment


def _sort_key(key: str) -> str:
    if key not in SORT_KEYS:
        raise _bad(
            f"Invalid sort key: {key}. It must be one of the following: {', '.join(SORT_KEYS)}."
        )
    return key


def _sort_dir(direction: str) -> str:
    if direction not in ("asc", "desc"):
        raise _bad(f"Invalid sort direction: {direction}")
    return direction


def _sorting(params: QueryParams) -> tuple[tuple[str, str], ...]:
    keys, dirs = params.getlist("sort_key"), params.getlist("sort_dir")
    if "sort" in params:
        if keys or dirs:
            raise _bad("Old and new sorting syntax cannot be combined")
        pairs = [part.partition(":") for part in (_last(params, "sort") or "").split(",")]
        return tuple((_sort_key(k.strip()), _sort_dir(d.strip() or "desc")) for k, _, d in pairs)
    keys = [_sort_key(k.strip()) for k in keys] or ["created_at"]
    dirs = [_sort_dir(d.strip()) for d in dirs] or ["desc"]
    if len(dirs) > 1 and len(dirs) != len(keys):
        raise _bad("Number of sort dirs does not match the number of sort keys")
    if len(dirs) == 1:
        dirs = dirs * len(keys)
    return tuple(zip(keys, dirs, strict=False))


def parse_query(params: QueryParams) -> ImageQuery:
    visibility = _last(params, "visibility")
    if visibility is not None and visibility not in _VISIBILITIES:
        raise _bad(f"Invalid visibility value: {visibility}")
    member_status = _last(params, "member_status") or "accepted"
    if member_status not in _MEMBER_STATUSES:
        raise _bad(f"Invalid status: {member_status}")
    if "changes-since" in params:
        raise _bad('The "changes-since" filter is no longer available on v2.')
    protected = _last(params, "protected")
    return ImageQuery(
        limit=_limit(_last(params, "limit")),
        marker=_last(params, "marker"),
        visibility=visibility,
        member_status=member_status,
        one_of={name: _one_of(raw) for name in _ONE_OF if (raw := _last(params, name)) is not None},
        owner=_last(params, "owner"),
        tags=tuple(tag.strip() for tag in params.getlist("tag")),
        os_hidden=_boolean("os_hidden", _last(params, "os_hidden") or "false"),
        protected=None if protected is None else _boolean("protected", protected),
        size_min=_size(_last(params, "size_min")),
        size_max=_size(_last(params, "size_max")),
        times=tuple(
            _time(name, raw)
            for name in ("created_at", "updated_at")
            if (raw := _last(params, name)) is not None
        ),
        properties={k: v for k, v in params.multi_items() if k not in _HANDLED},
        sort=_sorting(params),
    )


def links(params: QueryParams, next_marker: str | None) -> dict[str, str]:
    """``first`` (the query without its marker) and, when there may be more, ``next``."""
    kept: Sequence[tuple[str, str]] = [(k, v) for k, v in params.multi_items() if k != "marker"]
    found = {"first": "/v2/images" + (f"?{urllib.parse.urlencode(kept)}" if kept else "")}
    if next_marker is not None:
        found["next"] = "/v2/images?" + urllib.parse.urlencode([*kept, ("marker", next_marker)])
    return found
