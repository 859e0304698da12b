"""Query-string parsing shared by provider listings: member_of, required, resources.

Each parser follows upstream's rules per microversion and answers a bad value with a 400.
``suffix`` names a request group (``member_of1``) for callers that have groups.
"""

from __future__ import annotations

import uuid as uuidlib

from starlette.requests import Request

from pocketstack.common.errors import ApiError
from pocketstack.common.schema import Schema
from pocketstack.placement.handlers.base import want

__all__ = ["member_of", "required_traits", "resources", "validate_query"]

Groups = list[frozenset[str]]
_MAX_AMOUNT = 2**31 - 1  # no inventory holds more (its columns are 32-bit integers)


def validate_query(request: Request, checker: Schema) -> None:
    """400 for an unknown parameter or a badly typed one (the last value of each is checked)."""
    errors = checker.errors(dict(request.query_params))
    if errors:
        raise ApiError(400, f"Invalid query string parameters: {errors[0]}")


def _is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


def _one_member_of(value: str) -> tuple[frozenset[str], frozenset[str]]:
    """``uuid``, ``!uuid``, ``in:a,b`` or ``!in:a,b`` -> (any of these, none of these)."""
    if "," in value and not value.startswith(("in:", "!in:")):
        raise ApiError(
            400,
            "Multiple values for 'member_of' must be prefixed with the 'in:' "
            f"or '!in:' keyword using the valid microversion. Got: {value}",
        )
    forbidden = value.startswith("!")
    body = value[1:] if forbidden else value
    uuids = frozenset(body[3:].split(",") if body.startswith("in:") else [body])
    for aggregate in sorted(uuids):
        if not _is_uuid(aggregate):
            raise ApiError(
                400,
                "Invalid query string parameters: Expected 'member_of' "
                f"parameter to contain valid UUID(s). Got: {aggregate}",
            )
    return (frozenset(), uuids) if forbidden else (uuids, frozenset())


def member_of(request: Request, suffix: str = "") -> tuple[Groups, frozenset[str]]:
    """Required aggregate groups (AND of any-ofs) and forbidden aggregates.

    Several ``member_of`` from 1.24, forbidden (``!``) from 1.32.
    """
    values = request.query_params.getlist("member_of" + suffix)
    if len(values) > 1 and not want(request, (1, 24)):
        raise ApiError(400, f"Multiple member_of{suffix} parameters are not supported")
    required: Groups = []
    forbidden: set[str] = set()
    for value in values:
        any_of, none_of = _one_member_of(value)
        if none_of and not want(request, (1, 32)):
            raise ApiError(
                400,
                f"Forbidden member_of{suffix} parameters are not supported "
                "in the specified microversion",
            )
        if any_of:
            required.append(any_of)
        forbidden |= none_of
    return required, frozenset(forbidden)


def _one_required(
    value: str, allow_forbidden: bool, allow_any: bool
) -> tuple[Groups, frozenset[str]]:
    if value.startswith("in:"):
        if not allow_any:
            raise ApiError(
                400,
                "Invalid query string parameters: The format "
                "'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since "
                f"microversion 1.39. Got: {value}",
            )
        any_of = frozenset(t.strip() for t in value[3:].split(","))
        if not all(any_of):
            raise ApiError(
                400,
                "Invalid query string parameters: Expected 'required' "
                "parameter value of the form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. "
                f"Got an empty trait in: {value}",
            )
        if any(t.startswith("!") for t in any_of):
            raise ApiError(
                400,
                "Invalid query string parameters: The format "
                "'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' does not support forbidden "
                f"traits. Got: {value}",
            )
        return [any_of], frozenset()
    names = [t.strip() for t in value.split(",")]
    forbidden = frozenset(t.lstrip("!") for t in names if t.startswith("!"))
    form = "HW_CPU_X86_VMX,!CUSTOM_MAGIC" if allow_forbidden else "HW_CPU_X86_VMX,CUSTOM_MAGIC"
    if not all(names) or not all(forbidden):
        raise ApiError(
            400,
            "Invalid query string parameters: Expected 'required' parameter "
            f"value of the form: {form}. Got an empty trait in: {value}",
        )
    if forbidden and not allow_forbidden:
        raise ApiError(
            400,
            "Invalid query string parameters: Expected 'required' parameter "
            f"value of the form: {form}. Got: {value}",
        )
    return [frozenset([t]) for t in names if not t.startswith("!")], forbidden


def required_traits(request: Request, suffix: str = "") -> tuple[Groups, frozenset[str]]:
    """Required trait groups (AND of any-ofs) and forbidden traits.

    ``!TRAIT`` from 1.22; ``in:A,B`` and several ``required`` from 1.39 (before, the last
    one counts).
    """
    values = request.query_params.getlist("required" + suffix)
    allow_any = want(request, (1, 39))
    if not allow_any:
        values = values[-1:]
    required: Groups = []
    forbidden: set[str] = set()
    for value in values:
        any_ofs, none_of = _one_required(value, want(request, (1, 22)), allow_any)
        required += any_ofs
        forbidden |= none_of
    return required, frozenset(forbidden)


def resources(value: str) -> dict[str, int]:
    """``VCPU:2,MEMORY_MB:512`` -> amounts by class (each a positive integer)."""
    form = "Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024."
    if not value.strip():
        raise ApiError(400, f"Badly formed resources parameter. {form} Got: empty string.")
    amounts: dict[str, int] = {}
    for part in value.split(","):
        try:
            name, raw = part.split(":")
        except ValueError:
            raise ApiError(400, f"Badly formed resources parameter. {form} Got: {part}.") from None
        try:
            amount = int(raw)
        except ValueError:
            raise ApiError(
                400, f"Requested resource {name} expected positive integer amount. Got: {raw}."
            ) from None
        if amount < 1:
            raise ApiError(400, f"Requested resource {name} requires amount >= 1. Got: {amount}.")
        if amount > _MAX_AMOUNT:
            raise ApiError(
                400, f"Requested resource {name} requires amount <= {_MAX_AMOUNT}. Got: {amount}."
            )
        amounts[name] = amount
    return amounts
