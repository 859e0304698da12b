"""Placement microversions: one entry per version, what it changed. 1.0 is the default."""

from __future__ import annotations

from pocketstack.common.microversion import VersionRange

__all__ = ["VERSIONS", "VERSION_RANGE"]

VERSIONS: list[tuple[str, str]] = [
    ("1.0", "Initial version"),
    ("1.1", "Resource provider aggregates"),
    ("1.2", "Custom resource classes"),
    ("1.3", "member_of on GET /resource_providers"),
    ("1.4", "resources filter on GET /resource_providers"),
    ("1.5", "DELETE /resource_providers/{uuid}/inventories"),
    ("1.6", "Traits"),
    ("1.7", "PUT /resource_classes/{name} creates (idempotent), no body"),
    ("1.8", "project_id and user_id required in PUT /allocations/{consumer}"),
    ("1.9", "GET /usages by project and user"),
    ("1.10", "GET /allocation_candidates"),
    ("1.11", "'allocations' link in resource provider bodies"),
    ("1.12", "Dict-shaped allocations in PUT /allocations/{consumer} and candidates"),
    ("1.13", "POST /allocations for several consumers at once"),
    ("1.14", "Nested providers: parent_provider_uuid, root_provider_uuid, in_tree"),
    ("1.15", "last-modified and cache-control headers"),
    ("1.16", "limit on GET /allocation_candidates"),
    ("1.17", "required traits on GET /allocation_candidates"),
    ("1.18", "required traits on GET /resource_providers"),
    ("1.19", "Aggregates carry the provider generation"),
    ("1.20", "POST /resource_providers returns 200 and the provider"),
    ("1.21", "member_of on GET /allocation_candidates"),
    ("1.22", "Forbidden traits (!TRAIT)"),
    ("1.23", "Error codes in error bodies"),
    ("1.24", "Several member_of parameters"),
    ("1.25", "Granular request groups (resourcesN, requiredN, member_ofN), group_policy"),
    ("1.26", "Inventory reserved may equal total"),
    ("1.27", "provider_summaries list every resource class of the provider"),
    ("1.28", "Consumer generations on allocations"),
    ("1.29", "Nested providers in allocation candidates (parent/root in summaries)"),
    ("1.30", "POST /reshaper"),
    ("1.31", "in_tree and in_treeN on GET /allocation_candidates"),
    ("1.32", "Forbidden aggregates: member_of=!in:..."),
    ("1.33", "Arbitrary granular suffixes (_[a-zA-Z0-9_-]{1,64})"),
    ("1.34", "mappings in allocation requests"),
    ("1.35", "root_required on GET /allocation_candidates"),
    ("1.36", "same_subtree on GET /allocation_candidates"),
    ("1.37", "Re-parenting and un-parenting providers"),
    ("1.38", "consumer_type on allocations; usages by consumer type"),
    ("1.39", "Any-of traits: required=in:T1,T2"),
]

VERSION_RANGE = VersionRange(
    service="placement",
    minimum=(1, 0),
    maximum=(1, int(VERSIONS[-1][0].split(".")[1])),
    error_codes=("placement.undefined_code", "placement.undefined_code"),
)
