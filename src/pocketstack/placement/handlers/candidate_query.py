"""The query string of GET /allocation_candidates -> a :class:`CandidateRequest`.

Upstream's rules per microversion, each bad value a 400: request groups keyed by suffix
(numbered from 1.25, named from 1.33), orphaned or resourceless groups (allowed from 1.36
when named in ``same_subtree``), conflicting traits, ``group_policy`` when several suffixed
groups, ``root_required`` (1.35) and ``same_subtree`` (1.36).
"""

from __future__ import annotations

import re
import uuid as uuidlib

from starlette.requests import Request

from pocketstack.common.errors import ApiError
from pocketstack.placement import errors as codes
from pocketstack.placement.handlers import provider_query as query
from pocketstack.placement.handlers.base import version
from pocketstack.placement.objects.candidates import CandidateRequest, RequestGroup
from pocketstack.placement.schemas.allocation_candidates import query_schema

__all__ = ["candidate_request"]

_GROUP_KEY = re.compile(r"^(resources|required|member_of|in_tree)(.*)$")


def _first(request: Request, name: str, pattern: str) -> str | None:
    """The first value (upstream's choice); each one must match ``pattern``."""
    values = request.query_params.getlist(name)
    for value in values:
        if not re.fullmatch(pattern, value):
            raise ApiError(
                400, f"Invalid query string parameters: {value!r} is not a valid value for {name!r}"
            )
    return values[0] if values else None


def _in_tree(value: str, suffix: str) -> str:
    tree = value.strip()
    try:
        uuidlib.UUID(tree)
    except ValueError:
        raise ApiError(
            400,
            f"Invalid query string parameters: Expected 'in_tree{suffix}' "
            f"parameter to be a format of uuid. Got: {value}",
        ) from None
    return tree


def _group(request: Request, suffix: str) -> RequestGroup:
    params = request.query_params
    amounts = params.getlist("resources" + suffix)
    required, forbidden = query.required_traits(request, suffix)
    member_of, not_member_of = query.member_of(request, suffix)
    trees = params.getlist("in_tree" + suffix)
    return RequestGroup(
        suffix=suffix,
        resources=query.resources(amounts[-1]) if amounts else {},
        required=tuple(required),
        forbidden=forbidden,
        member_of=tuple(member_of),
        forbidden_aggregates=not_member_of,
        in_tree=_in_tree(trees[-1], suffix) if trees else None,
    )


def _root_required(request: Request) -> tuple[frozenset[str], frozenset[str]]:
    values = request.query_params.getlist("root_required")
    if not values:
        return frozenset(), frozenset()
    if len(values) > 1:
        raise ApiError(
            400,
            "Query parameter 'root_required' may be specified only once.",
            code=codes.ILLEGAL_DUPLICATE_QUERYPARAM,
        )
    names = [name.strip() for name in values[0].split(",")]
    if values[0].startswith("in:") or not all(name.lstrip("!") for name in names):
        raise ApiError(
            400,
            "Invalid query string parameters: Expected 'root_required' "
            "parameter value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC. "
            f"Got: {values[0]}",
        )
    forbidden = frozenset(name.lstrip("!") for name in names if name.startswith("!"))
    required = frozenset(name for name in names if not name.startswith("!"))
    if required & forbidden:
        raise ApiError(
            400,
            "Conflicting required and forbidden traits found in "
            f"root_required: {', '.join(sorted(required & forbidden))}",
            code=codes.QUERYPARAM_BAD_VALUE,
        )
    return required, forbidden


def _same_subtrees(request: Request) -> list[frozenset[str]]:
    found = []
    for value in request.query_params.getlist("same_subtree"):
        suffixes = frozenset(part.strip() for part in value.split(","))
        if "" in suffixes:
            raise ApiError(
                400,
                "Empty string (unsuffixed group) can not be specified in `same_subtree` ",
                code=codes.QUERYPARAM_BAD_VALUE,
            )
        found.append(suffixes)
    return found


def _check_groups(
    request: Request, groups: list[RequestGroup], same_subtrees: list[frozenset[str]]
) -> None:
    if version(request) >= (1, 36):
        resourceless = [g.suffix for g in groups if not g.resources]
        if len(resourceless) == len(groups):
            raise ApiError(
                400,
                "There must be at least one resources or resources[$S] parameter.",
                code=codes.QUERYPARAM_MISSING_VALUE,
            )
        named = frozenset().union(*same_subtrees)
        if bad := [s for s in resourceless if s not in named]:
            raise ApiError(
                400,
                "Resourceless suffixed group request should be specified in "
                f"`same_subtree` query param: bad group(s) - {bad}.",
                code=codes.QUERYPARAM_BAD_VALUE,
            )
        if bad := sorted(named - {g.suffix for g in groups}):
            raise ApiError(
                400,
                f"Real suffixes should be specified in `same_subtree`: "
                f"{bad} not found in {[g.suffix for g in groups]}.",
                code=codes.QUERYPARAM_BAD_VALUE,
            )
    else:
        if orphans := [f"required{g.suffix}" for g in groups if g.required and not g.resources]:
            raise ApiError(
                400,
                "All traits parameters must be associated with resources.  "
                f"Found the following orphaned traits keys: {', '.join(orphans)}",
            )
        if orphans := [
            f"member_of{g.suffix}"
            for g in groups
            if not g.resources and (g.member_of or g.forbidden_aggregates)
        ]:
            raise ApiError(
                400,
                "All member_of parameters must be associated with resources. "
                "Found the following orphaned member_of keys: "
                f"{', '.join(orphans)}",
            )
        if not all(g.resources for g in groups):
            raise ApiError(400, "All request groups must specify resources.")
        if not groups:
            raise ApiError(
                400, "At least one request group (`resources` or `resources{$S}`) is required."
            )
    conflicts = [
        f"required{g.suffix}: ({', '.join(sorted(any_of))})"
        for g in groups
        for any_of in g.required
        if any_of <= g.forbidden
    ]
    if conflicts:
        raise ApiError(
            400,
            "Conflicting required and forbidden traits found in the "
            f"following traits keys: {', '.join(sorted(conflicts))}",
        )


def candidate_request(request: Request) -> CandidateRequest:
    """Validate and parse the query (400 on anything upstream refuses)."""
    query.validate_query(request, query_schema(version(request)))
    limit = _first(request, "limit", "[1-9][0-9]*")
    policy = _first(request, "group_policy", "none|isolate")
    root_required, root_forbidden = _root_required(request)
    same_subtrees = _same_subtrees(request)
    suffixes = dict.fromkeys(
        match.group(2) for key in request.query_params if (match := _GROUP_KEY.match(key))
    )
    groups = [_group(request, suffix) for suffix in sorted(suffixes, key=bool)]
    _check_groups(request, groups, same_subtrees)
    if policy is None and sum(1 for g in groups if g.suffix) > 1:
        raise ApiError(
            400,
            'The "group_policy" parameter is required when specifying more '
            'than one "resources{N}" parameter.',
        )
    return CandidateRequest(
        groups=groups,
        limit=int(limit) if limit else None,
        isolate=policy == "isolate",
        root_required=root_required,
        root_forbidden=root_forbidden,
        same_subtrees=same_subtrees,
        nested_aware=version(request) >= (1, 29),
    )
