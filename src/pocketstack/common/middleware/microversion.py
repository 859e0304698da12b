"""Microversion negotiation: 406 outside the range; echo the version with ``Vary``."""

from __future__ import annotations

from pocketstack.common.asgi import ASGIApp, Message, Receive, Scope, Send, header
from pocketstack.common.errors import ApiError
from pocketstack.common.microversion import VersionError, VersionRange, negotiate

__all__ = ["MicroversionMiddleware"]


class MicroversionMiddleware:
    def __init__(self, app: ASGIApp, *, versions: VersionRange) -> None:
        self.app = app
        self.versions = versions
        vary = ["OpenStack-API-Version"]
        if versions.legacy_header:
            vary.append(versions.legacy_header)
        self.vary = ", ".join(vary).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        legacy_name = self.versions.legacy_header
        legacy = header(scope, legacy_name.lower().encode()) if legacy_name else None
        try:
            version = negotiate(self.versions, header(scope, b"openstack-api-version"), legacy)
        except VersionError as error:
            unsupported = "not supported" in str(error)
            codes = self.versions.error_codes
            raise ApiError(
                406 if unsupported else 400,
                str(error),
                code=(codes[0] if unsupported else codes[1]) if codes else None,
                extra={
                    "min_version": VersionRange.format(self.versions.minimum),
                    "max_version": VersionRange.format(self.versions.maximum),
                },
            ) from None
        scope["state"]["version"] = version
        text = VersionRange.format(version).encode()
        echoed = [(b"openstack-api-version", f"{self.versions.service} ".encode() + text)]
        if legacy_name:
            echoed.append((legacy_name.lower().encode(), text))
        echoed.append((b"vary", self.vary))
        scope["state"]["error_headers"] = echoed  # errors answered outside carry them too

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *echoed]
            await send(message)

        await self.app(scope, receive, send_with_version)
