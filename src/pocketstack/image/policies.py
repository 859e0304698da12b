"""Glance's policy rules (upstream names, its "new defaults"), as data.

The target of an image rule is ``{"project_id": <image owner>}``; member rules add
``"member_id"``, the member project concerned (the caller's own when listing). Which images
a caller may see at all (public, community, shared with them) is decided by the queries in
``objects``, as Glance's database layer decides it; a rule refused on a visible image
answers 403, an invisible image 404.
"""

from __future__ import annotations

__all__ = ["RULES"]

_MEMBER = "role:admin or (role:member and project_id:%(project_id)s)"
_READER_OR_SHARED = (
    "role:admin or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s))"
)

RULES: dict[str, str] = {
    "context_is_admin": "role:admin",
    "get_images": "role:admin or role:reader",
    "get_image": "role:admin or role:reader",
    "add_image": _MEMBER,
    "modify_image": _MEMBER,
    "delete_image": _MEMBER,
    "upload_image": _MEMBER,
    "download_image": "role:admin or role:member",
    "publicize_image": "role:admin",
    "communitize_image": _MEMBER,
    "get_members": _READER_OR_SHARED,
    "get_member": _READER_OR_SHARED,
    "add_member": _MEMBER,
    "delete_member": _MEMBER,
    "modify_member": "role:admin or (role:member and project_id:%(member_id)s)",
}
