"""The policy engine: oslo.policy-style check strings, rule references and overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from pocketstack.common.policy import Enforcer, PolicyError, compile_check

ADMIN = {"roles": ["admin"], "project_id": "p1", "user_id": "u1", "is_admin": True}
MEMBER = {"roles": ["member", "reader"], "project_id": "p1", "user_id": "u2", "is_admin": False}
READER = {"roles": ["reader"], "project_id": "p2", "user_id": "u3", "is_admin": False}
NOBODY: dict[str, Any] = {"roles": [], "project_id": None, "user_id": "u4"}


def allowed(text: str, creds: Mapping[str, Any], target: Mapping[str, Any] | None = None) -> bool:
    enforcer = Enforcer({"it": text})
    return enforcer.check("it", target or {}, creds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("@", True), ("!", False), ("", True), ("   ", True)],
)
def test_constant_checks(text: str, expected: bool) -> None:
    assert allowed(text, NOBODY) is expected


def test_role_check_matches_a_held_role() -> None:
    assert allowed("role:admin", ADMIN)
    assert not allowed("role:admin", MEMBER)
    assert allowed("role:reader", MEMBER)


@pytest.mark.parametrize(("rule_role", "held"), [("Admin", "admin"), ("admin", "ADMIN")])
def test_role_check_ignores_case(rule_role: str, held: str) -> None:
    assert allowed(f"role:{rule_role}", {"roles": [held]})


def test_role_check_without_roles_in_credentials_is_false() -> None:
    assert not allowed("role:admin", {})
    assert not allowed("role:admin", {"roles": None})


def test_attribute_check_against_a_target_reference() -> None:
    rule = "project_id:%(project_id)s"
    assert allowed(rule, MEMBER, {"project_id": "p1"})
    assert not allowed(rule, MEMBER, {"project_id": "p2"})


def test_attribute_check_reaches_nested_target_keys() -> None:
    rule = "user_id:%(target.user.id)s"
    assert allowed(rule, ADMIN, {"target": {"user": {"id": "u1"}}})
    assert not allowed(rule, ADMIN, {"target": {"user": {"id": "u9"}}})
    assert not allowed(rule, ADMIN, {"target": {"user": "u1"}})


def test_attribute_check_prefers_a_literal_dotted_key() -> None:
    rule = "project_id:%(target.project.id)s"
    target = {"target.project.id": "p1", "target": {"project": {"id": "p2"}}}
    assert allowed(rule, MEMBER, target)


def test_attribute_check_missing_on_either_side_is_false() -> None:
    rule = "project_id:%(project_id)s"
    assert not allowed(rule, MEMBER, {})
    # An unscoped caller (project_id None) must not match a target without a project.
    assert not allowed(rule, NOBODY, {"project_id": None})
    assert not allowed(rule, {"roles": []}, {"project_id": "p1"})


def test_attribute_check_against_a_literal() -> None:
    assert allowed("is_admin:True", ADMIN)
    assert not allowed("is_admin:True", MEMBER)
    assert allowed("user_id:u3", READER)


def test_and_binds_tighter_than_or() -> None:
    rule = "role:admin or role:member and project_id:%(project_id)s"
    assert allowed(rule, ADMIN, {"project_id": "elsewhere"})
    assert allowed(rule, MEMBER, {"project_id": "p1"})
    assert not allowed(rule, MEMBER, {"project_id": "p2"})


def test_parentheses_override_precedence() -> None:
    rule = "(role:admin or role:member) and project_id:%(project_id)s"
    assert not allowed(rule, ADMIN, {"project_id": "elsewhere"})
    assert allowed(rule, ADMIN, {"project_id": "p1"})
    assert allowed(rule, MEMBER, {"project_id": "p1"})


def test_not_binds_tighter_than_and() -> None:
    rule = "not role:admin and role:reader"
    assert allowed(rule, READER)
    assert not allowed(rule, ADMIN)
    assert not allowed(rule, {"roles": ["admin", "reader"]})
    assert allowed("not (role:admin or role:member)", READER)
    assert not allowed("not (role:admin or role:member)", MEMBER)
    assert allowed("not not role:reader", READER)


def test_nested_parentheses() -> None:
    rule = "((role:admin) or ((role:reader) and (user_id:u3)))"
    assert allowed(rule, ADMIN)
    assert allowed(rule, READER)
    assert not allowed(rule, MEMBER | {"roles": ["reader"]})


@pytest.mark.parametrize(
    "text",
    [
        "role:admin and",
        "or role:admin",
        "(role:admin",
        "role:admin)",
        "role:admin role:member",
        "admin",
        "()",
        "not",
    ],
)
def test_malformed_check_strings_are_rejected(text: str) -> None:
    with pytest.raises(PolicyError):
        compile_check(text)
    with pytest.raises(PolicyError):
        Enforcer({"it": text})


def test_rule_reference_evaluates_the_named_rule() -> None:
    enforcer = Enforcer(
        {
            "admin_required": "role:admin",
            "owner": "project_id:%(project_id)s",
            "admin_or_owner": "rule:admin_required or rule:owner",
            "get": "rule:admin_or_owner",
        }
    )
    assert enforcer.check("get", {"project_id": "x"}, ADMIN)
    assert enforcer.check("get", {"project_id": "p1"}, MEMBER)
    assert not enforcer.check("get", {"project_id": "p1"}, READER)


def test_a_rule_naming_an_unknown_rule_is_rejected_up_front() -> None:
    with pytest.raises(PolicyError, match="nope"):
        Enforcer({"get": "role:admin or rule:nope"})


def test_checking_an_unknown_rule_raises() -> None:
    enforcer = Enforcer({"get": "@"})
    with pytest.raises(PolicyError, match="missing"):
        enforcer.check("missing", {}, ADMIN)


def test_overrides_replace_defaults() -> None:
    defaults = {"base": "role:admin", "get": "rule:base"}
    assert not Enforcer(defaults).check("get", {}, READER)
    relaxed = Enforcer(defaults, overrides={"base": "role:reader"})
    assert relaxed.check("get", {}, READER)
    assert not relaxed.check("get", {}, {"roles": ["other"]})


def test_overrides_may_add_rules_that_defaults_use_or_reference() -> None:
    enforcer = Enforcer(
        {"get": "role:admin"},
        overrides={"readers": "role:reader", "get": "rule:readers or role:admin"},
    )
    assert enforcer.check("get", {}, READER)
    assert enforcer.check("readers", {}, READER)


def test_an_override_naming_an_unknown_rule_is_rejected() -> None:
    with pytest.raises(PolicyError, match="ghost"):
        Enforcer({"get": "role:admin"}, overrides={"get": "rule:ghost"})


def test_overrides_leave_the_defaults_mapping_untouched() -> None:
    defaults = {"get": "role:admin"}
    Enforcer(defaults, overrides={"get": "@"})
    assert defaults == {"get": "role:admin"}


def test_rules_referring_to_each_other_in_a_cycle_are_refused() -> None:
    with pytest.raises(PolicyError, match="cycle"):
        Enforcer({"a": "rule:b", "b": "role:x or rule:a"})
    with pytest.raises(PolicyError, match="cycle"):
        Enforcer({"a": "rule:a"})


def test_operators_are_case_insensitive() -> None:
    enforcer = Enforcer({"r": "role:x OR (role:y AND NOT role:z)"})
    assert enforcer.check("r", {}, {"roles": ["y"]})
    assert not enforcer.check("r", {}, {"roles": ["y", "z"]})
