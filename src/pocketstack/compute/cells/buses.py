"""The buses of one process, by URL: every part of the process that names the same URL
shares one started bus (in-process buses are worlds of their own, so sharing is required)."""

from __future__ import annotations

from pocketstack.common.bus import Bus, make_bus

__all__ = ["BusHub"]


class BusHub:
    def __init__(self) -> None:
        self._buses: dict[str, Bus] = {}

    async def get(self, url: str) -> Bus:
        """The started bus for ``url`` (built and started on first use)."""
        bus = self._buses.get(url)
        if bus is None:
            bus = make_bus(url)
            await bus.start()
            self._buses[url] = bus
        return bus

    async def close(self) -> None:
        buses, self._buses = list(self._buses.values()), {}
        for bus in buses:
            await bus.close()
