"""/v1/secrets/{id}/payload: the decrypted payload, in the media type it was stored as.

The same answer serves Barbican's deprecated form, ``GET /v1/secrets/{id}`` with a
non-JSON ``Accept``. The bytes are never logged and never cached by a proxy.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.secrets.handlers.base import find_secret
from pocketstack.secrets.objects import payloads, secrets
from pocketstack.secrets.objects.errors import NotFound
from pocketstack.secrets.objects.secrets import Secret
from pocketstack.secrets.service import KeyManager

__all__ = ["get_payload", "serve_payload"]

OPERATION = "Secret payload retrieval"


async def serve_payload(svc: KeyManager, request: Request, secret: Secret) -> Response:
    if secret.content_type is None:
        raise NotFound(secrets.PAYLOAD_NOT_FOUND)
    media_type = payloads.negotiate(request.headers.get("accept"), secret.content_type)
    async with svc.reading() as conn:
        data = await secrets.read_payload(conn, svc.cipher, secret)
    return Response(
        data, media_type=media_type, headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


async def get_payload(svc: KeyManager, request: Request) -> Response:
    secret = await find_secret(svc, request, "secret:decrypt", OPERATION)
    return await serve_payload(svc, request, secret)
