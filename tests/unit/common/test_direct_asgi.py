"""A service client on the in-process transport calls the app directly: the app sees the
scope, headers and body httpx's ASGI transport would give it, and the caller the same
response (status, headers, JSON, errors as ServiceError)."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from pocketstack.common.asgi import Message, Receive, Scope, Send
from pocketstack.common.client import ServiceClient, ServiceError, StaticToken
from pocketstack.common.direct import DirectASGI


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with what it was asked (the scope's request parts and the body)."""
    body = b""
    while True:
        message: Message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    seen = {key: scope[key] for key in ("method", "path", "scheme", "http_version",
                                        "server", "client", "root_path")}
    seen["raw_path"] = scope["raw_path"].decode()
    seen["query_string"] = scope["query_string"].decode()
    seen["headers"] = sorted([k.decode(), v.decode()] for k, v in scope["headers"])
    seen["body"] = body.decode()
    status = 409 if scope["path"].endswith("/conflict") else 200
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"x-seen", b"yes")]})
    await send({"type": "http.response.body", "body": orjson.dumps(seen)})


def _client(transport: httpx.AsyncBaseTransport) -> ServiceClient:
    return ServiceClient("http://127.0.0.1:8080/placement", tokens=StaticToken("tok"),
                         transport=transport, headers={"OpenStack-API-Version": "placement 1.39"})


@pytest.mark.parametrize(("path", "params", "body"), [
    ("/allocation_candidates", {"resources": "VCPU:1,MEMORY_MB:64", "limit": "5"}, None),
    ("/allocations/a b%2F", None, {"allocations": {}, "project_id": "p"}),
    ("/resource_providers", httpx.QueryParams([("in_tree", "x"), ("in_tree", "y")]), None),
])
async def test_the_app_sees_what_httpx_would_send(path: str, params: Any,
                                                  body: Any) -> None:
    answers = []
    for transport in (httpx.ASGITransport(app=echo, client=("127.0.0.1", 123)),
                      DirectASGI(echo)):
        async with _client(transport) as client:
            method = "PUT" if body is not None else "GET"
            response = await client.request(method, path, params=params, json=body)
            answers.append((response.status_code, response.headers["x-seen"],
                            response.json()))
    through_httpx, direct = answers
    assert direct == through_httpx


async def test_an_unexpected_status_is_a_service_error() -> None:
    async with _client(DirectASGI(echo)) as client:
        with pytest.raises(ServiceError) as raised:
            await client.request("GET", "/conflict")
        assert raised.value.status == 409
        assert raised.value.body["path"] == "/placement/conflict"
        assert (await client.request("GET", "/conflict", expect=(409,))).status_code == 409
