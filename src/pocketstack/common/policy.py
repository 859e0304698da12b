"""A policy engine over oslo.policy-style check strings.

``role:admin or (role:member and project_id:%(project_id)s)`` is parsed once into a tree of
small check functions. Grammar: ``or`` < ``and`` < ``not`` < parentheses; checks are ``@``
(always), ``!`` (never), ``rule:NAME``, ``role:NAME`` and ``ATTR:VALUE`` where VALUE is a
literal or a ``%(key)s`` reference into the target (dotted keys reach nested dicts).
Each service declares its rules as data (``policies/``); operators may override them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Enforcer", "PolicyError", "compile_check"]

Check = Callable[[Mapping[str, Any], Mapping[str, Any], "Enforcer"], bool]

_TOKEN = re.compile(r"\s*((?:%\([^)]*\)|[^\s()])+|\(|\))")
_REF = re.compile(r"^%\(([^)]+)\)s$")


class PolicyError(ValueError):
    """A check string does not parse, or names an unknown rule."""


def _lookup(target: Mapping[str, Any], dotted: str) -> Any:
    if dotted in target:
        return target[dotted]
    value: Any = target
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _generic(attr: str, match: str) -> Check:
    ref = _REF.match(match)

    def check(creds: Mapping[str, Any], target: Mapping[str, Any], _: Enforcer) -> bool:
        have = creds.get(attr)
        want: Any = _lookup(target, ref.group(1)) if ref else match
        if want is None or have is None:
            return False
        if isinstance(have, bool):
            return str(have) == str(want)
        return str(have) == str(want)

    return check


def _role(name: str) -> Check:
    lowered = name.lower()

    def check(creds: Mapping[str, Any], target: Mapping[str, Any], _: Enforcer) -> bool:
        return any(str(r).lower() == lowered for r in creds.get("roles") or ())

    return check


def _rule(name: str) -> Check:
    def check(creds: Mapping[str, Any], target: Mapping[str, Any], enforcer: Enforcer) -> bool:
        return enforcer.check(name, target, creds)

    return check


def _leaf(token: str) -> Check:
    if token == "@":
        return lambda c, t, e: True
    if token == "!":
        return lambda c, t, e: False
    kind, sep, match = token.partition(":")
    if not sep:
        raise PolicyError(f"not a check: {token!r}")
    if kind == "rule":
        return _rule(match)
    if kind == "role":
        return _role(match)
    return _generic(kind, match)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _TOKEN.findall(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise PolicyError("unexpected end of check string")
        self.pos += 1
        return token

    def parse_or(self) -> Check:
        parts = [self.parse_and()]
        while (self.peek() or "").lower() == "or":
            self.take()
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        return lambda c, t, e: any(p(c, t, e) for p in parts)

    def parse_and(self) -> Check:
        parts = [self.parse_not()]
        while (self.peek() or "").lower() == "and":
            self.take()
            parts.append(self.parse_not())
        if len(parts) == 1:
            return parts[0]
        return lambda c, t, e: all(p(c, t, e) for p in parts)

    def parse_not(self) -> Check:
        if (self.peek() or "").lower() == "not":
            self.take()
            inner = self.parse_not()
            return lambda c, t, e: not inner(c, t, e)
        if self.peek() == "(":
            self.take()
            inner = self.parse_or()
            if self.take() != ")":
                raise PolicyError("expected ')'")
            return inner
        return _leaf(self.take())


def compile_check(text: str) -> Check:
    """Parse a check string; the empty string means always allowed (as oslo.policy)."""
    if not text.strip():
        return lambda c, t, e: True
    parser = _Parser(text)
    check = parser.parse_or()
    if parser.peek() is not None:
        raise PolicyError(f"unexpected {parser.peek()!r} in {text!r}")
    return check


def _check_acyclic(refs: Mapping[str, set[str]]) -> None:
    """Refuse rules that refer to themselves, directly or through others."""
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise PolicyError(f"policy rules refer to each other in a cycle: {' -> '.join(path)}")
        if name in done:
            return
        for ref in refs.get(name, ()):
            visit(ref, (*path, name))
        done.add(name)

    for name in refs:
        visit(name, ())


class Enforcer:
    """Rules of one service: its defaults, with operator overrides applied on top."""

    def __init__(self, defaults: Mapping[str, str], overrides: Mapping[str, str] | None = None):
        merged = {**defaults, **(overrides or {})}
        self._rules = {name: compile_check(text) for name, text in merged.items()}
        refs = {name: set(re.findall(r"rule:([\w:.-]+)", text)) for name, text in merged.items()}
        for name, names in refs.items():
            for ref in names - set(self._rules):
                raise PolicyError(f"rule {name!r} refers to unknown rule {ref!r}")
        _check_acyclic(refs)

    def check(
        self, rule: str, target: Mapping[str, Any], credentials: Mapping[str, Any]
    ) -> bool:
        try:
            check = self._rules[rule]
        except KeyError:
            raise PolicyError(f"unknown policy rule {rule!r}") from None
        return check(credentials, target, self)
