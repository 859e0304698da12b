"""The face recognition policy rules over the three personas, as data.

Galleries belong to one project: another project's gallery is invisible (404, not 403).
Readers detect, embed, verify, list and identify; members also create, enroll and delete.
"""

from __future__ import annotations

__all__ = ["RULES"]

RULES: dict[str, str] = {
    "gallery_project_match": "project_id:%(target.gallery.project_id)s",
    "gallery_visible": "rule:gallery_project_match",
    "gallery_reader": "role:reader and rule:gallery_project_match",
    "gallery_member": "role:member and rule:gallery_project_match",
    # stateless analysis
    "face:detect": "role:reader",
    "face:embed": "role:reader",
    "face:verify": "role:reader",
    # collections: always the caller's own project
    "galleries:get": "role:reader",
    "galleries:post": "role:member",
    # one gallery and what it holds
    "gallery:get": "rule:gallery_reader",
    "gallery:put": "rule:gallery_member",
    "gallery:delete": "rule:gallery_member",
    "gallery:identify": "rule:gallery_reader",
    "persons:get": "rule:gallery_reader",
    "persons:post": "rule:gallery_member",
    "person:get": "rule:gallery_reader",
    "person:put": "rule:gallery_member",
    "person:delete": "rule:gallery_member",
    "faces:get": "rule:gallery_reader",
    "faces:post": "rule:gallery_member",
    "face:delete": "rule:gallery_member",
    "enroll_jobs:post": "rule:gallery_member",
    "enroll_job:get": "rule:gallery_reader",
}
