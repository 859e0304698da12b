"""The volume service's one route table: path -> {METHOD: handler}.

Every resource is served both as ``/v3/...`` and ``/v3/{project_id}/...`` (Cinder made the
project optional in 3.67; clients use either form). A project in the URL must be the
token's (400 otherwise, as Cinder answers).
"""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.volume.handlers import (
    attachments,
    limits,
    root,
    types,
    volume_actions,
    volume_metadata,
    volumes,
)
from pocketstack.volume.handlers.base import VolumeHandler, bind
from pocketstack.volume.service import VolumeService

__all__ = ["build_routes"]

_VOL = "/volumes/{volume_id}"
_ATT = "/attachments/{attachment_id}"

# Below /v3 and /v3/{project_id}; literal paths before the placeholders they would match.
RESOURCES: list[tuple[str, Mapping[str, VolumeHandler]]] = [
    ("/volumes", {"GET": volumes.list_volumes, "POST": volumes.create_volume}),
    ("/volumes/detail", {"GET": volumes.list_volumes_detail}),
    (
        _VOL,
        {"GET": volumes.get_volume, "PUT": volumes.update_volume, "DELETE": volumes.delete_volume},
    ),
    (f"{_VOL}/action", {"POST": volume_actions.volume_action}),
    (
        f"{_VOL}/metadata",
        {
            "GET": volume_metadata.get_metadata,
            "POST": volume_metadata.merge_metadata,
            "PUT": volume_metadata.replace_metadata,
        },
    ),
    (
        f"{_VOL}/metadata/{{key}}",
        {
            "GET": volume_metadata.get_metadata_item,
            "PUT": volume_metadata.set_metadata_item,
            "DELETE": volume_metadata.delete_metadata_item,
        },
    ),
    ("/attachments", {"GET": attachments.list_attachments, "POST": attachments.create_attachment}),
    ("/attachments/detail", {"GET": attachments.list_attachments_detail}),
    (
        _ATT,
        {
            "GET": attachments.get_attachment,
            "PUT": attachments.update_attachment,
            "DELETE": attachments.delete_attachment,
        },
    ),
    (f"{_ATT}/action", {"POST": attachments.complete_attachment}),
    ("/types", {"GET": types.list_types, "POST": types.create_type}),
    ("/limits", {"GET": limits.show_limits}),
    ("/types/{type_id}", {"GET": types.get_type, "DELETE": types.delete_type}),
]


def build_routes(svc: VolumeService) -> list[Route]:
    def b(table: Mapping[str, VolumeHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in table.items()}

    routes = [
        Route("/", b({"GET": root.list_versions}), public=True),
        Route("/v3", b({"GET": root.show_v3}), public=True),
    ]
    for prefix in ("/v3", "/v3/{project_id}"):
        routes += [Route(prefix + path, b(table)) for path, table in RESOURCES]
    return routes
