"""The typed client of compute's own extensions that tools use: the cells' health and the
fault switch of their proxies (``pocketstack cell ...``)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.client import ServiceClient

__all__ = ["ComputeClient"]

_VERSION = {"OpenStack-API-Version": "compute 2.1"}


class ComputeClient(ServiceClient):
    """Calls ``/compute/v2.1``."""

    async def cells(self) -> list[dict[str, Any]]:
        """Each cell's health as the API process sees it (admins)."""
        response = await self.request("GET", "/os-cells", headers=_VERSION)
        found: list[dict[str, Any]] = response.json()["cells"]
        return found

    async def set_fault(self, cell: str, **parts: str) -> dict[str, Any]:
        """Switch the cell's proxies: ``db=`` and/or ``bus=`` heal, blackhole or refuse."""
        response = await self.request("PUT", f"/os-cells/{cell}/fault", headers=_VERSION,
                                      json={"fault": parts})
        shown: dict[str, Any] = response.json()["cell"]
        return shown
