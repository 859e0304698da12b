"""GET /allocation_candidates: searched in this process's in-memory provider model.

The model follows the database's change log (one small query when nothing changed); the
search stops at ``limit``. The body is written as JSON in parts: a provider's summary once
per version of the provider (reused until it changes), and the candidates that take the
whole request from one provider from one template.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import orjson
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.placement.handlers.base import authorize, placement_json, require, version
from pocketstack.placement.handlers.candidate_query import candidate_request
from pocketstack.placement.objects.candidates import Candidate, Found, find_candidates
from pocketstack.placement.objects.provider_index import Provider, ProviderIndex
from pocketstack.placement.service import Placement

__all__ = ["list_allocation_candidates"]

_MARK = b"\x00"  # where a template takes the provider's uuid


async def list_allocation_candidates(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:allocation_candidates:list")
    require(request, (1, 10))
    wanted = candidate_request(request)
    async with svc.reading() as conn:
        await svc.cache.sync(conn)
        await svc.cache.check_names(conn, wanted.resource_classes, wanted.traits)
    index = svc.cache.index
    found = find_candidates(index, wanted)
    if svc.cache.prune_due:  # housekeeping of the change log: never fails the search
        with contextlib.suppress(DBAPIError):
            async with svc.writing() as conn:
                await svc.cache.prune(conn)
    ver = version(request)
    classes = None if ver >= (1, 27) else frozenset(wanted.resource_classes)
    return placement_json(
        request,
        {
            "allocation_requests": _fragment(b"[", _requests(index, found, ver), b"]"),
            "provider_summaries": _fragment(b"{", _summaries(index, found, ver, classes), b"}"),
        },
    )


def _fragment(start: bytes, parts: Iterator[bytes], end: bytes) -> orjson.Fragment:
    return orjson.Fragment(start + b",".join(parts) + end)


def _requests(index: ProviderIndex, found: Found, ver: tuple[int, int]) -> Iterator[bytes]:
    """Each candidate as JSON: a dict of allocations from 1.12 (a list before), mappings
    from 1.34."""
    uuid = index.providers
    template = _whole_template(found, ver) if found.totals else None
    for item in found.candidates:
        if template is not None and not isinstance(item, Candidate):
            yield uuid[item].uuid.encode().join(template)
            continue
        candidate = found.candidate(item)
        if ver < (1, 12):
            yield orjson.dumps(
                {
                    "allocations": [
                        {"resource_provider": {"uuid": uuid[p].uuid}, "resources": amounts}
                        for p, amounts in candidate.allocations.items()
                    ]
                }
            )
            continue
        body: dict[str, object] = {
            "allocations": {
                uuid[p].uuid: {"resources": amounts} for p, amounts in candidate.allocations.items()
            }
        }
        if ver >= (1, 34):
            body["mappings"] = {
                suffix: [uuid[p].uuid for p in ids] for suffix, ids in candidate.mappings.items()
            }
        yield orjson.dumps(body)


def _whole_template(found: Found, ver: tuple[int, int]) -> list[bytes]:
    """A whole-request candidate's JSON, split where its provider's uuid goes."""
    mark = _MARK.decode()
    if ver < (1, 12):
        body: dict[str, object] = {
            "allocations": [{"resource_provider": {"uuid": mark}, "resources": found.totals}]
        }
    else:
        body = {"allocations": {mark: {"resources": found.totals}}}
        if ver >= (1, 34):
            body["mappings"] = {suffix: [mark] for suffix in found.suffixes}
    return orjson.dumps(body).replace(b"\\u0000", _MARK).split(_MARK)


def _summaries(
    index: ProviderIndex, found: Found, ver: tuple[int, int], classes: frozenset[str] | None
) -> Iterator[bytes]:
    """``"uuid": summary`` for each provider, memoized when it shows every class (1.27)."""
    shape = (ver >= (1, 17), ver >= (1, 29))
    for provider_id in found.summaries:
        provider = index.providers[provider_id]
        encoded = provider.memo.get(shape) if classes is None else None
        if encoded is None:
            encoded = _summary(provider, shape, classes)
            if classes is None:
                provider.memo[shape] = encoded
        yield encoded


def _summary(provider: Provider, shape: tuple[bool, bool], classes: frozenset[str] | None) -> bytes:
    traits, nested = shape
    body: dict[str, object] = {
        "resources": {
            name: {"capacity": inventory.capacity, "used": inventory.used}
            for name, inventory in provider.inventories.items()
            if classes is None or name in classes
        }
    }
    if traits:
        body["traits"] = sorted(provider.traits)
    if nested:
        body["parent_provider_uuid"] = provider.parent_uuid
        body["root_provider_uuid"] = provider.root_uuid
    return orjson.dumps({provider.uuid: body})[1:-1]  # '"uuid":{...}'
