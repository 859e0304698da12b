"""Placement's one route table: path -> {METHOD: handler}."""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.placement.handlers import (
    aggregates,
    allocation_candidates,
    allocations,
    inventories,
    reshaper,
    resource_classes,
    resource_providers,
    root,
    traits,
    usages,
)
from pocketstack.placement.handlers.base import PlacementHandler, bind
from pocketstack.placement.service import Placement

__all__ = ["build_routes"]

_RP = "/resource_providers/{uuid}"


def build_routes(svc: Placement) -> list[Route]:
    def b(table: Mapping[str, PlacementHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in table.items()}

    return [
        Route("/", b({"GET": root.home}), public=True),
        Route("/resource_providers", b({
            "GET": resource_providers.list_resource_providers,
            "POST": resource_providers.create_resource_provider})),
        Route(_RP, b({
            "GET": resource_providers.get_resource_provider,
            "PUT": resource_providers.update_resource_provider,
            "DELETE": resource_providers.delete_resource_provider})),
        Route(f"{_RP}/inventories", b({
            "GET": inventories.get_inventories,
            "POST": inventories.create_inventory,
            "PUT": inventories.set_inventories,
            "DELETE": inventories.delete_inventories})),
        Route(f"{_RP}/inventories/{{resource_class}}", b({
            "GET": inventories.get_inventory,
            "PUT": inventories.update_inventory,
            "DELETE": inventories.delete_inventory})),
        Route(f"{_RP}/aggregates", b({
            "GET": aggregates.get_aggregates,
            "PUT": aggregates.set_aggregates})),
        Route(f"{_RP}/traits", b({
            "GET": traits.list_provider_traits,
            "PUT": traits.update_provider_traits,
            "DELETE": traits.delete_provider_traits})),
        Route(f"{_RP}/usages", b({"GET": usages.list_provider_usages})),
        Route(f"{_RP}/allocations", b({"GET": allocations.list_for_resource_provider})),
        Route("/usages", b({"GET": usages.get_total_usages})),
        Route("/allocations", b({"POST": allocations.set_allocations})),
        Route("/allocations/{consumer_uuid}", b({
            "GET": allocations.list_for_consumer,
            "PUT": allocations.set_allocations_for_consumer,
            "DELETE": allocations.delete_allocations})),
        Route("/allocation_candidates", b({
            "GET": allocation_candidates.list_allocation_candidates})),
        Route("/reshaper", b({"POST": reshaper.reshape})),
        Route("/resource_classes", b({
            "GET": resource_classes.list_resource_classes,
            "POST": resource_classes.create_resource_class})),
        Route("/resource_classes/{name}", b({
            "GET": resource_classes.get_resource_class,
            "PUT": resource_classes.update_resource_class,
            "DELETE": resource_classes.delete_resource_class})),
        Route("/traits", b({"GET": traits.list_traits})),
        Route("/traits/{name}", b({
            "GET": traits.get_trait,
            "PUT": traits.put_trait,
            "DELETE": traits.delete_trait})),
    ]
