"""The real ``openstack`` CLI against a running ``pocketstack up``: identity acceptance.

The full flow authenticates through the ``clouds.yaml`` the server writes; a representative
subset (token issue, catalog list, role list, project list, logins as other users) runs with
plain ``OS_*`` variables from its ``openrc``. Each CLI call is a fresh process that logs in
again, so every test below also exercises discovery and ``POST /v3/auth/tokens``.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.fernet import Fernet, InvalidToken

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e

AUTH_STYLES = ["clouds.yaml", "openrc"]
DEFAULT_ROLES = {"admin", "manager", "member", "reader", "service"}
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _env(cloud: RunningCloud, style: str) -> dict[str, str]:
    return cloud.clouds_env() if style == "clouds.yaml" else cloud.openrc_env()


def _refused(stderr: str) -> bool:
    """keystoneauth's message for a refused login: 401, or 404 for an unknown/revoked token."""
    return "(HTTP 401)" in stderr or "(HTTP 404)" in stderr


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


# -- logging in --------------------------------------------------------------------------


@pytest.mark.parametrize("style", AUTH_STYLES)
def test_token_issue_shows_a_fernet_token_for_the_admin_scope(
    cloud: RunningCloud, style: str
) -> None:
    token = cloud.cli_json("token", "issue", env=_env(cloud, style))

    assert set(token) == {"expires", "id", "project_id", "user_id"}
    assert token["id"].startswith("gAAAAAB")
    assert "=" not in token["id"]
    assert 150 <= len(token["id"]) <= 255
    assert HEX32.match(token["user_id"])
    assert HEX32.match(token["project_id"])
    expires = datetime.strptime(token["expires"], "%Y-%m-%dT%H:%M:%S%z")
    lifetime = (expires - datetime.now(UTC)).total_seconds()
    assert 3500 < lifetime <= 3600


@pytest.mark.parametrize("style", AUTH_STYLES)
def test_catalog_list_has_the_identity_endpoints(cloud: RunningCloud, style: str) -> None:
    catalog = _by(cloud.cli_json("catalog", "list", env=_env(cloud, style)), "Type")

    identity = catalog["identity"]
    assert identity["Name"] == "keystone"
    endpoints = _by(identity["Endpoints"], "interface")
    assert set(endpoints) == {"public", "internal", "admin"}
    for endpoint in endpoints.values():
        assert endpoint["url"] == cloud.identity_url
        assert endpoint["region"] == endpoint["region_id"] == "RegionOne"


def test_endpoint_list_shows_identity_on_every_interface(cloud: RunningCloud) -> None:
    rows = [r for r in cloud.cli_json("endpoint", "list") if r["Service Type"] == "identity"]

    assert sorted(r["Interface"] for r in rows) == ["admin", "internal", "public"]
    for row in rows:
        assert HEX32.match(row["ID"])
        assert row["Service Name"] == "keystone"
        assert row["Region"] == "RegionOne"
        assert row["Enabled"] is True
        assert row["URL"] == cloud.identity_url


@pytest.mark.parametrize("style", AUTH_STYLES)
def test_role_list_has_the_default_roles(cloud: RunningCloud, style: str) -> None:
    roles = cloud.cli_json("role", "list", env=_env(cloud, style))

    assert {r["Name"] for r in roles} >= DEFAULT_ROLES
    assert all(HEX32.match(r["ID"]) for r in roles)


def test_token_revoke_makes_the_token_useless(cloud: RunningCloud) -> None:
    token = cloud.cli_json("token", "issue")
    with_token = cloud.token_env(token["id"], token["project_id"])
    assert "admin" in {p["Name"] for p in cloud.cli_json("project", "list", env=with_token)}

    revoked = cloud.cli("token", "revoke", token["id"])
    assert revoked.stdout == ""

    stderr = cloud.cli_fails("project", "list", env=with_token)
    assert _refused(stderr), stderr
    # Only that token is gone: a fresh login as the same user still works.
    assert "admin" in {p["Name"] for p in cloud.cli_json("project", "list")}


# -- projects, users, roles ----------------------------------------------------------------


def test_project_create_list_show_set_delete(cloud: RunningCloud) -> None:
    created = cloud.cli_json("project", "create", "--description", "made by e2e", "e2e-project")
    assert HEX32.match(created["id"])
    assert created["name"] == "e2e-project"
    assert created["description"] == "made by e2e"
    assert created["domain_id"] == "default"
    assert created["parent_id"] == "default"
    assert created["enabled"] is True
    assert created["is_domain"] is False

    listed = _by(cloud.cli_json("project", "list", env=cloud.openrc_env()), "ID")
    assert listed[created["id"]]["Name"] == "e2e-project"

    shown = cloud.cli_json("project", "show", "e2e-project")
    assert shown == created

    changed = cloud.cli(
        "project",
        "set",
        "--name",
        "e2e-renamed",
        "--description",
        "changed",
        "--disable",
        "e2e-project",
    )
    assert changed.stdout == ""
    shown = cloud.cli_json("project", "show", created["id"])
    assert shown["id"] == created["id"]
    assert shown["name"] == "e2e-renamed"
    assert shown["description"] == "changed"
    assert shown["enabled"] is False

    cloud.cli("project", "delete", "e2e-renamed")
    assert created["id"] not in {p["ID"] for p in cloud.cli_json("project", "list")}
    stderr = cloud.cli_fails("project", "show", created["id"])
    assert "No Project found for" in stderr, stderr


def test_user_roles_and_password_change(cloud: RunningCloud) -> None:
    demo = cloud.cli_json("project", "create", "demo")
    alice = cloud.cli_json(
        "user",
        "create",
        "--project",
        "demo",
        "--password",
        "old-secret",
        "--email",
        "alice@example.org",
        "alice",
    )
    assert HEX32.match(alice["id"])
    assert alice["name"] == "alice"
    assert alice["domain_id"] == "default"
    assert alice["default_project_id"] == demo["id"]
    assert alice["email"] == "alice@example.org"
    assert alice["enabled"] is True
    assert "password" not in alice

    assert {"admin", "alice"} <= {u["Name"] for u in cloud.cli_json("user", "list")}
    shown = cloud.cli_json("user", "show", "alice")
    assert shown["id"] == alice["id"]
    assert shown["email"] == "alice@example.org"
    assert "password" not in shown

    cloud.cli("role", "add", "--project", "demo", "--user", "alice", "member")
    assignments = cloud.cli_json(
        "role", "assignment", "list", "--project", "demo", "--user", "alice", "--names"
    )
    assert [(a["Role"], a["User"], a["Project"]) for a in assignments] == [
        ("member", "alice@Default", "demo@Default")
    ]

    # alice logs in with plain OS_* variables, scoped to demo.
    old_login = cloud.user_env("alice", "old-secret", "demo")
    token = cloud.cli_json("token", "issue", env=old_login)
    assert (token["user_id"], token["project_id"]) == (alice["id"], demo["id"])

    cloud.cli("user", "set", "--password", "new-secret", "alice")
    stderr = cloud.cli_fails("token", "issue", env=old_login)
    assert "(HTTP 401)" in stderr, stderr
    new_login = cloud.user_env("alice", "new-secret", "demo")
    assert cloud.cli_json("token", "issue", env=new_login)["user_id"] == alice["id"]
    # A password change revokes the user's earlier tokens (spec 1.8, revocation events).
    stderr = cloud.cli_fails("token", "issue", env=cloud.token_env(token["id"], demo["id"]))
    assert _refused(stderr), stderr

    cloud.cli("role", "remove", "--project", "demo", "--user", "alice", "member")
    assert (
        cloud.cli_json(
            "role", "assignment", "list", "--project", "demo", "--user", "alice", "--names"
        )
        == []
    )
    stderr = cloud.cli_fails("token", "issue", env=new_login)
    assert "(HTTP 401)" in stderr, stderr  # no role on the scope

    cloud.cli("user", "delete", "alice")
    assert "alice" not in {u["Name"] for u in cloud.cli_json("user", "list")}
    cloud.cli("project", "delete", "demo")


def test_application_credential_login_list_delete(cloud: RunningCloud) -> None:
    apps = cloud.cli_json("project", "create", "apps")
    bob = cloud.cli_json("user", "create", "--project", "apps", "--password", "pw", "bob")
    cloud.cli("role", "add", "--project", "apps", "--user", "bob", "member")
    as_bob = cloud.user_env("bob", "pw", "apps")

    cred = cloud.cli_json(
        "application",
        "credential",
        "create",
        "--description",
        "for e2e",
        "e2e-cred",
        env=as_bob,
    )
    assert HEX32.match(cred["ID"])
    assert cred["Name"] == "e2e-cred"
    assert cred["Project ID"] == apps["id"]
    assert cred["Secret"]
    # No --role: the credential gets the creating token's roles, implied ones included.
    assert {r["name"] for r in cred["Roles"]} == {"member", "reader"}

    with_cred = cloud.app_cred_env(cred["ID"], cred["Secret"])
    token = cloud.cli_json("token", "issue", env=with_cred)
    assert (token["user_id"], token["project_id"]) == (bob["id"], apps["id"])
    stderr = cloud.cli_fails("token", "issue", env=cloud.app_cred_env(cred["ID"], "wrong"))
    assert "(HTTP 401)" in stderr, stderr

    listed = cloud.cli_json("application", "credential", "list", env=as_bob)
    assert [(c["ID"], c["Name"], c["Project ID"]) for c in listed] == [
        (cred["ID"], "e2e-cred", apps["id"])
    ]
    assert "Secret" not in listed[0]

    cloud.cli("application", "credential", "delete", "e2e-cred", env=as_bob)
    stderr = cloud.cli_fails("token", "issue", env=with_cred)
    assert "(HTTP 401)" in stderr, stderr

    cloud.cli("user", "delete", "bob")
    cloud.cli("project", "delete", "apps")


# -- key rotation, restart, reset --------------------------------------------------------


def _signing_key(keys_dir: Path, token: str) -> str:
    """The name of the key file whose key made ``token`` (keystone strips the padding)."""
    raw = token + "=" * (-len(token) % 4)
    base64.urlsafe_b64decode(raw)  # a malformed token fails here, not as "no key"
    for path in sorted(keys_dir.iterdir()):
        try:
            Fernet(path.read_bytes().strip()).decrypt(raw.encode())
        except InvalidToken:
            continue
        return path.name
    return "none"


def test_token_rotate_keeps_earlier_tokens_valid(cloud: RunningCloud) -> None:
    keys_dir = cloud.data_dir / "fernet-keys"
    before = cloud.cli_json("token", "issue")
    primary = max(int(p.name) for p in keys_dir.iterdir())
    assert _signing_key(keys_dir, before["id"]) == str(primary)

    rotate = cloud.admin("token", "rotate")
    assert "rotated" in rotate.stdout
    assert max(int(p.name) for p in keys_dir.iterdir()) == primary + 1

    listed = cloud.cli_json(
        "project", "list", env=cloud.token_env(before["id"], before["project_id"])
    )
    assert "admin" in {p["Name"] for p in listed}
    after = cloud.cli_json("token", "issue")
    assert _signing_key(keys_dir, after["id"]) == str(primary + 1)


def test_restart_keeps_state_and_reset_starts_fresh(cloud_factory: RunningCloud) -> None:
    cloud = cloud_factory
    cloud.start()
    kept = cloud.cli_json("project", "create", "kept")
    token = cloud.cli_json("token", "issue")
    cloud.stop()

    cloud.start()
    assert kept["id"] in {p["ID"] for p in cloud.cli_json("project", "list")}
    # The key repository survives too: a token from before the restart still works.
    with_token = cloud.token_env(token["id"], token["project_id"])
    assert kept["id"] in {p["ID"] for p in cloud.cli_json("project", "list", env=with_token)}
    cloud.stop()

    cloud.start("--reset")
    names = {p["Name"] for p in cloud.cli_json("project", "list")}
    assert "admin" in names
    assert "kept" not in names
    stderr = cloud.cli_fails("project", "list", env=with_token)
    assert _refused(stderr), stderr
    cloud.stop()

    unclean = [e.describe() for e in cloud.exits if not e.clean]
    assert not unclean, "Ctrl-C did not stop pocketstack cleanly:\n" + "\n".join(unclean)
