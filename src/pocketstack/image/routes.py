"""The image service's one route table: path -> {METHOD: handler}."""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.image.handlers import image_data, images, members, root, schemas, tags
from pocketstack.image.handlers.base import ImageHandler, bind
from pocketstack.image.service import ImageService

__all__ = ["build_routes"]

_IMAGE = "/v2/images/{image_id}"


def build_routes(svc: ImageService) -> list[Route]:
    def b(table: Mapping[str, ImageHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in table.items()}

    return [
        Route("/", b({"GET": root.multiple_choices}), public=True),
        Route("/versions", b({"GET": root.list_versions}), public=True),
        Route("/v2/images", b({"GET": images.list_images, "POST": images.create_image})),
        Route(
            _IMAGE,
            b(
                {
                    "GET": images.show_image,
                    "PATCH": images.update_image,
                    "DELETE": images.delete_image,
                }
            ),
        ),
        Route(
            f"{_IMAGE}/file",
            b({"GET": image_data.download_image_data, "PUT": image_data.upload_image_data}),
        ),
        Route(f"{_IMAGE}/tags/{{tag}}", b({"PUT": tags.add_tag, "DELETE": tags.delete_tag})),
        Route(f"{_IMAGE}/members", b({"GET": members.list_members, "POST": members.add_member})),
        Route(
            f"{_IMAGE}/members/{{member_id}}",
            b(
                {
                    "GET": members.show_member,
                    "PUT": members.update_member,
                    "DELETE": members.delete_member,
                }
            ),
        ),
        Route("/v2/schemas/image", b({"GET": schemas.image_schema})),
        Route("/v2/schemas/images", b({"GET": schemas.images_schema})),
        Route("/v2/schemas/member", b({"GET": schemas.member_schema})),
        Route("/v2/schemas/members", b({"GET": schemas.members_schema})),
    ]
