"""The fast validator (fastjsonschema) never takes a document jsonschema refuses: every
schema of every service, on documents made at random from the schema itself; and a refused
document still gets jsonschema's words."""

from __future__ import annotations

import importlib
import pkgutil
import random
import uuid
from typing import Any

import pytest

import pocketstack
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import Schema, schema, validate

_STRINGS = ["", "a", "x" * 300, "1.2.3.4", "01.2.3.4", "::1", "fe80::1%eth0", "Zm9vYmFy",
            "not-a-uuid", "2026-12-07T10:00:00Z", " ", "ACTIVE", "public", "-1"]
_JUNK: list[Any] = [None, True, 0, -1, 1.5, 1.0, 2 ** 40, "s", [], {}]


def _all_schemas() -> list[tuple[str, Schema]]:
    found: list[tuple[str, Schema]] = []
    for module in pkgutil.walk_packages(pocketstack.__path__, "pocketstack."):
        if ".schemas" not in module.name:
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if isinstance(value, Schema):
                found.append((f"{module.name}.{name}", value))
    return found


def _make(node: Any, rng: random.Random, depth: int = 0) -> Any:
    """A document shaped by ``node``, right or wrong at random."""
    if not isinstance(node, dict) or depth > 6 or rng.random() < 0.05:
        return rng.choice(_JUNK)
    if "enum" in node:
        return rng.choice([*node["enum"], *_JUNK[:3]])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            return _make(rng.choice(node[key]), rng, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = rng.choice(kind)
    if kind == "object" or "properties" in node:
        required = set(node.get("required") or [])
        made = {name: _make(sub, rng, depth + 1)
                for name, sub in (node.get("properties") or {}).items()
                if rng.random() < (0.97 if name in required else 0.5)}
        if rng.random() < 0.1:
            made["unexpected"] = 1
        return made
    if kind == "array":
        return [_make(node.get("items"), rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "string":
        if node.get("format") == "uuid" or rng.random() < 0.3:
            return rng.choice(["a", "name-1", str(uuid.UUID(int=rng.getrandbits(128)))])
        return rng.choice([*_STRINGS, str(uuid.UUID(int=rng.getrandbits(128)))])
    if kind in ("integer", "number"):
        return rng.choice([0, 1, -1, 7, 65536, 2 ** 31, 1.0, 2.5, True, "1"])
    if kind == "boolean":
        return rng.choice([True, False, 0, "true"])
    return rng.choice(_JUNK)


SCHEMAS = _all_schemas()


def test_every_schema_compiles_fast() -> None:
    assert len(SCHEMAS) > 50
    slow = [name for name, checker in SCHEMAS if checker._fast_check() is None]
    assert slow == []


@pytest.mark.parametrize("name", [name for name, _ in SCHEMAS])
def test_the_fast_validator_takes_only_what_jsonschema_takes(name: str) -> None:
    checker = dict(SCHEMAS)[name]
    fast = checker._fast_check()
    assert fast is not None
    rng = random.Random(name)
    taken = 0
    for _ in range(200):
        document = _make(checker.document, rng)
        try:
            fast(document)
        except Exception:
            continue
        taken += 1
        assert not list(checker._validator.iter_errors(document)), (name, document)


def test_a_refused_document_gets_jsonschemas_words() -> None:
    checker = schema({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "count": {"type": "integer"}},
        "additionalProperties": False})
    validate(checker, {"id": str(uuid.uuid4()), "count": 2})
    validate(checker, {"count": 2.0})  # refused by the fast check, taken by jsonschema
    with pytest.raises(ApiError) as refused:
        validate(checker, {"id": "not-a-uuid"})
    assert refused.value.status == 400
    assert str(refused.value.message) == (
        "Invalid input for field/attribute id: 'not-a-uuid' is not a 'uuid'")
