"""Identity's one route table: path -> {METHOD: handler}."""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.identity.handlers import (
    application_credentials as appcreds,
)
from pocketstack.identity.handlers import (
    auth_helpers,
    auth_tokens,
    grants,
    implied_roles,
    role_assignments,
    users,
    versions,
)
from pocketstack.identity.handlers.base import IdentityHandler, bind
from pocketstack.identity.handlers.crud import Crud
from pocketstack.identity.handlers.nouns import (
    DOMAINS,
    ENDPOINTS,
    PROJECTS,
    REGIONS,
    ROLES,
    SERVICES,
)
from pocketstack.identity.service import Identity

__all__ = ["build_routes"]

_GRANT = {"PUT": grants.create_grant, "HEAD": grants.check_grant, "GET": grants.check_grant,
          "DELETE": grants.revoke_grant}


def _crud(svc: Identity, crud: Crud) -> list[Route]:
    return [
        Route(f"/v3/{crud.coll}", {"GET": bind(svc, crud.index), "POST": bind(svc, crud.post)}),
        Route(f"/v3/{crud.coll}/{{ident}}", {"GET": bind(svc, crud.show),
                                             "PATCH": bind(svc, crud.patch),
                                             "DELETE": bind(svc, crud.remove)}),
    ]


def build_routes(svc: Identity) -> list[Route]:
    def b(table: Mapping[str, IdentityHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in table.items()}

    routes = [
        Route("/", b({"GET": versions.root}), public=True),
        Route("/v3", b({"GET": versions.v3}), public=True),
        Route("/v3/auth/tokens", b({"POST": auth_tokens.issue_token,
                                    "GET": auth_tokens.validate_token,
                                    "HEAD": auth_tokens.check_token,
                                    "DELETE": auth_tokens.revoke_token}),
              public=frozenset({"POST"})),
        Route("/v3/auth/catalog", b({"GET": auth_helpers.auth_catalog})),
        Route("/v3/auth/projects", b({"GET": auth_helpers.auth_projects})),
        Route("/v3/auth/domains", b({"GET": auth_helpers.auth_domains})),
        Route("/v3/auth/system", b({"GET": auth_helpers.auth_system})),
        Route("/v3/users", b({"GET": users.list_users, "POST": users.create_user})),
        Route("/v3/users/{ident}", b({"GET": users.show_user, "PATCH": users.update_user,
                                      "DELETE": users.delete_user})),
        Route("/v3/users/{ident}/password", b({"POST": users.change_password})),
        Route("/v3/users/{ident}/projects", b({"GET": users.list_user_projects})),
        Route("/v3/users/{user}/application_credentials",
              b({"GET": appcreds.list_app_creds, "POST": appcreds.create_app_cred})),
        Route("/v3/users/{user}/application_credentials/{ident}",
              b({"GET": appcreds.show_app_cred, "DELETE": appcreds.delete_app_cred})),
        Route("/v3/projects/{target}/users/{user}/roles", b({"GET": grants.list_grants})),
        Route("/v3/projects/{target}/users/{user}/roles/{role}", b(_GRANT)),
        Route("/v3/domains/{target}/users/{user}/roles", b({"GET": grants.list_grants})),
        Route("/v3/domains/{target}/users/{user}/roles/{role}", b(_GRANT)),
        Route("/v3/OS-INHERIT/domains/{target}/users/{user}/roles/{role}/inherited_to_projects",
              b(_GRANT)),
        Route("/v3/system/users/{user}/roles", b({"GET": grants.list_grants})),
        Route("/v3/system/users/{user}/roles/{role}", b(_GRANT)),
        Route("/v3/role_assignments", b({"GET": role_assignments.list_role_assignments})),
        Route("/v3/role_inferences", b({"GET": implied_roles.list_inferences})),
        Route("/v3/roles/{prior}/implies", b({"GET": implied_roles.list_implied})),
        Route("/v3/roles/{prior}/implies/{implied}", b({
            "PUT": implied_roles.create_implied, "GET": implied_roles.check_implied,
            "HEAD": implied_roles.check_implied, "DELETE": implied_roles.delete_implied})),
    ]
    for crud in (DOMAINS, PROJECTS, ROLES, REGIONS, SERVICES, ENDPOINTS):
        routes += _crud(svc, crud)
    return routes
