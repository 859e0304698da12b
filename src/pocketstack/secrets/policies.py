"""The key manager's policy rules (Barbican's names) over the three personas, as data.

Secrets and containers belong to one project. ``*_visible`` says whether the caller may know
a resource exists at all (another project's is 404, not 403); the action rules then say
what they may do with it: readers read metadata, members create, delete and decrypt (as
Barbican, which keeps payloads from the reader role). The ``service`` role reads across
projects: that is how the load balancer reads the TLS material its users reference
(Octavia's service user is granted read ACLs on them for the same purpose).
"""

from __future__ import annotations

__all__ = ["RULES"]

RULES: dict[str, str] = {
    "service_role": "role:service",
    "secret_project_match": "project_id:%(target.secret.project_id)s",
    "secret_project_reader": "role:reader and rule:secret_project_match",
    "secret_project_member": "role:member and rule:secret_project_match",
    "secret_visible": "rule:secret_project_match or rule:service_role",
    "container_project_match": "project_id:%(target.container.project_id)s",
    "container_project_reader": "role:reader and rule:container_project_match",
    "container_project_member": "role:member and rule:container_project_match",
    "container_visible": "rule:container_project_match or rule:service_role",
    # collections: always the caller's own project
    "secrets:get": "role:reader",
    "secrets:post": "role:member",
    "containers:get": "role:reader",
    "containers:post": "role:member",
    # one secret
    "secret:get": "rule:secret_project_reader or rule:service_role",
    "secret:decrypt": "rule:secret_project_member or rule:service_role",
    "secret:put": "rule:secret_project_member",
    "secret:delete": "rule:secret_project_member",
    # one container
    "container:get": "rule:container_project_reader or rule:service_role",
    "container:delete": "rule:container_project_member",
}
