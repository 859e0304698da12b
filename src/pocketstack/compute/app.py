"""The compute service: its spec (routes, Nova faults, microversions) and its lifespan.

``open_service`` migrates the API database, maps cell0 and creates the default cells at
first start (``[compute] cells``), migrates every cell database, seeds DevStack's flavors,
then starts the super-conductor, the scheduler, the cell conductors and the fake hosts.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.errors import format_nova
from pocketstack.common.service import ServiceSpec
from pocketstack.common.settings import Settings
from pocketstack.compute.cells import CELL0_NAME
from pocketstack.compute.db import API_MIGRATIONS
from pocketstack.compute.launch import start_engine, start_hosts
from pocketstack.compute.microversion import VERSION_RANGE
from pocketstack.compute.objects import cell_admin
from pocketstack.compute.objects.flavors import seed_default_flavors
from pocketstack.compute.routes import build_routes
from pocketstack.compute.service import Compute

__all__ = ["PATH", "build_spec", "catalog", "ensure_cells", "open_service"]

PATH = "/compute"


def catalog(public_url: str) -> list[CatalogEntry]:
    return [CatalogEntry("compute", "nova", f"{public_url}{PATH}/v2.1")]


async def ensure_cells(svc: Compute) -> None:
    """cell0 and, on a deployment with no other cell yet, ``[compute] cells`` cells."""
    settings = svc.settings
    async with svc.writing() as conn:
        await cell_admin.map_cell0(conn, settings.cell_database_url(CELL0_NAME))
        if len(await cell_admin.list_cells(conn)) == 1:
            for number in range(1, settings.compute.cells + 1):
                name = f"cell{number}"
                await cell_admin.create_cell(
                    conn, name=name, transport_url=settings.cell_transport_url(name),
                    database_connection=settings.cell_database_url(name))
        await seed_default_flavors(conn)
        await svc.cells.refresh(conn, migrate=True)


async def open_service(
    settings: Settings, databases: DatabaseRegistry, stack: AsyncExitStack,
    peers: Peers | None = None,
) -> tuple[ServiceSpec, Compute]:
    if peers is None:
        raise ValueError("compute needs to reach placement, image, network and volume")
    engine = databases.add("compute_api", settings.database_url("compute_api"))
    await upgrade(engine, API_MIGRATIONS)
    svc = await Compute.build(settings, engine, peers)
    stack.push_async_callback(svc.close)
    await ensure_cells(svc)
    await start_engine(svc, stack)
    await start_hosts(svc, stack)
    return build_spec(svc), svc


def build_spec(svc: Compute) -> ServiceSpec:
    return ServiceSpec(name="compute", routes=build_routes(svc), formatter=format_nova,
                       versions=VERSION_RANGE, request_id_headers=("x-compute-request-id",))
