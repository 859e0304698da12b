"""JSON-schema request validation that answers 400 in the service's own error shape.

Schemas are module constants built with :func:`schema`, which compiles the validator once.
:func:`extend` derives a version of a schema visibly (``add=``/``drop=`` properties).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import fastjsonschema
import jsonschema
import orjson
from starlette.requests import Request

from pocketstack.common.errors import ApiError

__all__ = ["Schema", "extend", "read_json", "schema", "validate"]


class Schema:
    """A JSON schema (draft 2020-12) and its compiled validator.

    A document is first checked by a validator that fastjsonschema compiles to Python (at
    first use), several times faster than jsonschema's walk; only one it refuses is walked
    by jsonschema, which words the errors (and has the last word: a document fastjsonschema
    refuses and jsonschema takes is taken); formats are checked by jsonschema's own format
    checker in both. Schemas it cannot compile use jsonschema alone.
    """

    __slots__ = ("_fast", "_validator", "document")

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = dict(document)
        jsonschema.Draft202012Validator.check_schema(self.document)
        self._validator = jsonschema.Draft202012Validator(
            self.document, format_checker=jsonschema.FormatChecker()
        )
        self._fast: Callable[[Any], Any] | bool | None = True  # True: not compiled yet

    def _fast_check(self) -> Callable[[Any], Any] | None:
        if self._fast is True:
            formats = _format_checks(self.document, self._validator.format_checker)
            try:
                self._fast = fastjsonschema.compile(
                    self.document, formats=formats, use_default=False,
                    detailed_exceptions=False)
            except Exception:  # a schema it does not understand: jsonschema alone
                self._fast = None
        return self._fast if callable(self._fast) else None

    def errors(self, instance: Any) -> list[str]:
        fast = self._fast_check()
        if fast is not None:
            try:
                fast(instance)
                return []
            except fastjsonschema.JsonSchemaValueException:
                pass
        found = sorted(self._validator.iter_errors(instance), key=lambda e: list(e.path))
        return [_describe(e) for e in found]


def _formats(node: Any) -> set[str]:
    """Every ``format`` a schema document names."""
    if isinstance(node, Mapping):
        found = {node["format"]} if isinstance(node.get("format"), str) else set()
        for value in node.values():
            found |= _formats(value)
        return found
    if isinstance(node, list):
        return set().union(*(_formats(item) for item in node)) if node else set()
    return set()


def _format_checks(document: Mapping[str, Any],
                   checker: jsonschema.FormatChecker) -> dict[str, Callable[[str], bool]]:
    """fastjsonschema's checks of the formats ``document`` names: jsonschema's own, so that
    both agree (an unknown format passes, as in jsonschema)."""
    return {name: functools.partial(_conforms, checker, name) for name in _formats(document)}


def _conforms(checker: jsonschema.FormatChecker, name: str, value: str) -> bool:
    return bool(checker.conforms(value, name))


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
