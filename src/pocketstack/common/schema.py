"""JSON-schema request validation that answers 400 in the service's own error shape.

Schemas are module constants built with :func:`schema`, which compiles the validator once.
:func:`extend` derives a version of a schema visibly (``add=``/``drop=`` properties).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
import orjson
from starlette.requests import Request

from pocketstack.common.errors import ApiError

__all__ = ["Schema", "extend", "read_json", "schema", "validate"]


class Schema:
    """A JSON schema (draft 2020-12) and its compiled validator."""

    __slots__ = ("_validator", "document")

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = dict(document)
        jsonschema.Draft202012Validator.check_schema(self.document)
        self._validator = jsonschema.Draft202012Validator(
            self.document, format_checker=jsonschema.FormatChecker()
        )

    def errors(self, instance: Any) -> list[str]:
        found = sorted(self._validator.iter_errors(instance), key=lambda e: list(e.path))
        return [_describe(e) for e in found]


def _describe(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path)
    return f"Invalid input for field/attribute {where}: {error.message}" if where else error.message


def schema(document: Mapping[str, Any]) -> Schema:
    return Schema(document)


def extend(
    base: Schema,
    *,
    add: Mapping[str, Any] | None = None,
    drop: Iterable[str] = (),
    path: Iterable[str] = (),
) -> Schema:
    """A copy of ``base``; the object at ``path`` (property names) gains/loses properties."""
    doc = copy.deepcopy(base.document)
    node = doc
    for name in path:
        node = node["properties"][name]
    props = node.setdefault("properties", {})
    props.update(copy.deepcopy(dict(add or {})))
    for name in drop:
        props.pop(name, None)
        if name in node.get("required", []):
            node["required"].remove(name)
    return Schema(doc)


def validate(checker: Schema, instance: Any) -> None:
    errors = checker.errors(instance)
    if errors:
        raise ApiError(400, errors[0])


async def read_json(request: Request, checker: Schema | None = None) -> Any:
    """The request body parsed as JSON (400 when malformed), validated when a schema is given."""
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "The request body is empty; a JSON document is required.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "Malformed JSON in request body.") from None
    if checker is not None:
        validate(checker, body)
    return body
