"""The middleware stack around a service's route table, exercised through tiny services."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import ASGIApp, json_response
from pocketstack.common.auth import AuthInfo, InvalidToken
from pocketstack.common.context import context_of
from pocketstack.common.errors import (
    ErrorFormatter,
    format_keystone,
    format_neutron,
    format_nova,
    format_octavia,
    format_placement,
)
from pocketstack.common.microversion import VersionRange
from pocketstack.common.routing import Route
from pocketstack.common.schema import read_json, schema
from pocketstack.common.service import ServiceSpec, build_service_app

REQUEST_ID = re.compile(
    r"^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
BODY_LIMIT = 64
COMPUTE = VersionRange("compute", (2, 1), (2, 96), legacy_header="X-OpenStack-Nova-API-Version")
WIDGET = schema(
    {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
    }
)


def auth_info(user_id: str) -> AuthInfo:
    return AuthInfo(
        user_id=user_id,
        user_name=user_id,
        user_domain_id="default",
        user_domain_name="Default",
        roles=("member",),
        methods=("password",),
        audit_ids=("audit",),
        issued_at=0.0,
        expires_at=2e9,
        project_id="p1",
    )


class FakeValidator:
    """Knows a fixed set of tokens; anything else is invalid."""

    def __init__(self, tokens: dict[str, AuthInfo]) -> None:
        self.tokens = tokens
        self.seen: list[str] = []

    async def validate(self, token: str) -> AuthInfo:
        self.seen.append(token)
        try:
            return self.tokens[token]
        except KeyError:
            raise InvalidToken(token) from None


class Calls:
    def __init__(self) -> None:
        self.methods: list[str] = []


async def describe(request: Request) -> Response:
    ctx = context_of(request)
    return json_response(
        {
            "request_id": ctx.request_id,
            "user_id": ctx.auth.user_id if ctx.auth else None,
            "version": list(ctx.version) if ctx.version else None,
            "params": dict(request.path_params),
            "method": request.method,
        }
    )


async def boom(request: Request) -> Response:
    raise RuntimeError("a bug in a handler")


async def create_widget(request: Request) -> Response:
    body = await read_json(request, WIDGET)
    return json_response({"widget": body}, status=201)


async def parse_any(request: Request) -> Response:
    return json_response({"got": await read_json(request)})


def make_app(
    formatter: ErrorFormatter = format_keystone,
    *,
    versions: VersionRange | None = None,
    calls: Calls | None = None,
) -> ASGIApp:
    calls = calls or Calls()

    async def sink(request: Request) -> Response:
        calls.methods.append(request.method)
        return json_response({"ok": True})

    routes = [
        Route("/", {"GET": describe}, public=True),
        Route("/widgets", {"GET": describe, "POST": create_widget}),
        Route("/widgets/{widget_id}", {"GET": describe, "DELETE": describe}),
        Route("/actions", {"POST": describe}),
        Route("/tokens", {"GET": describe, "POST": describe}, public=frozenset({"POST"})),
        Route("/parse", {"POST": parse_any}, public=True),
        Route("/sink", {"POST": sink}, public=True),
        Route("/boom", {"GET": boom}, public=True),
    ]
    spec = ServiceSpec(
        name="test",
        routes=routes,
        formatter=formatter,
        versions=versions,
        unauthorized_headers={"WWW-Authenticate": 'Keystone uri="http://t/identity"'},
    )
    validator = FakeValidator({"good": auth_info("alice")})
    return build_service_app(spec, validator=validator, public_url=None, body_limit=BODY_LIMIT)


def client_for(app: ASGIApp, **transport: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, **transport), base_url="http://t"
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(make_app()) as c:
        yield c


TOKEN = {"X-Auth-Token": "good"}


# --- request id -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/", {}, 200),
        ("GET", "/widgets", TOKEN, 200),
        ("GET", "/nowhere", {}, 404),
        ("PUT", "/widgets", TOKEN, 405),
        ("GET", "/widgets", {}, 401),
        ("GET", "/boom", {}, 500),
    ],
)
async def test_every_response_carries_a_request_id(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = await client.request(method, path, headers=headers)
    assert response.status_code == status
    assert REQUEST_ID.match(response.headers["x-openstack-request-id"])


async def test_the_request_id_is_new_per_request_and_seen_by_the_handler(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/")
    second = await client.get("/")
    assert first.headers["x-openstack-request-id"] != second.headers["x-openstack-request-id"]
    assert first.json()["request_id"] == first.headers["x-openstack-request-id"]


# --- error shapes: 404 and 405 -----------------------------------------------------------


def keystone_shape(status: int, body: dict[str, Any], request_id: str) -> str:
    assert set(body) == {"error"}
    assert body["error"]["code"] == status
    assert body["error"]["title"] in {"Not Found", "Method Not Allowed", "Internal Server Error"}
    return str(body["error"]["message"])


def nova_shape(status: int, body: dict[str, Any], request_id: str) -> str:
    key = {404: "itemNotFound", 405: "badMethod", 500: "computeFault"}[status]
    assert set(body) == {key}
    assert body[key]["code"] == status
    return str(body[key]["message"])


def placement_shape(status: int, body: dict[str, Any], request_id: str) -> str:
    [error] = body["errors"]
    assert error["status"] == status
    assert error["request_id"] == request_id
    assert error["code"] == "placement.undefined_code"
    return str(error["detail"])


def neutron_shape(status: int, body: dict[str, Any], request_id: str) -> str:
    error = body["NeutronError"]
    assert error["type"] == {404: "NotFound", 405: "MethodNotAllowed"}.get(
        status, "InternalServerError"
    )
    assert error["detail"] == ""
    return str(error["message"])


def octavia_shape(status: int, body: dict[str, Any], request_id: str) -> str:
    assert body["faultcode"] == ("Client" if status < 500 else "Server")
    assert body["debuginfo"] is None
    return str(body["faultstring"])


Shape = Callable[[int, dict[str, Any], str], str]
SHAPES: list[tuple[ErrorFormatter, Shape]] = [
    (format_keystone, keystone_shape),
    (format_nova, nova_shape),
    (format_placement, placement_shape),
    (format_neutron, neutron_shape),
    (format_octavia, octavia_shape),
]
SHAPE_IDS = ["keystone", "nova", "placement", "neutron", "octavia"]


@pytest.mark.parametrize(("formatter", "shape"), SHAPES, ids=SHAPE_IDS)
async def test_unknown_path_is_404_in_the_service_shape(
    formatter: ErrorFormatter, shape: Shape
) -> None:
    async with client_for(make_app(formatter)) as client:
        response = await client.get("/widgets/1/gears", headers=TOKEN)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    request_id = response.headers["x-openstack-request-id"]
    assert "could not be found" in shape(404, response.json(), request_id)


@pytest.mark.parametrize(("formatter", "shape"), SHAPES, ids=SHAPE_IDS)
async def test_wrong_method_is_405_with_allow_in_the_service_shape(
    formatter: ErrorFormatter, shape: Shape
) -> None:
    async with client_for(make_app(formatter)) as client:
        response = await client.patch("/widgets/1", headers=TOKEN)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD"
    request_id = response.headers["x-openstack-request-id"]
    assert "PATCH" in shape(405, response.json(), request_id)


async def test_allow_lists_no_head_without_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/actions", headers=TOKEN)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_405_comes_before_the_token_check(client: httpx.AsyncClient) -> None:
    response = await client.put("/widgets")
    assert response.status_code == 405


@pytest.mark.parametrize(("formatter", "shape"), SHAPES, ids=SHAPE_IDS)
async def test_an_unexpected_exception_is_500_in_the_service_shape(
    formatter: ErrorFormatter, shape: Shape, caplog: pytest.LogCaptureFixture
) -> None:
    async with client_for(make_app(formatter)) as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    message = shape(500, response.json(), response.headers["x-openstack-request-id"])
    assert "a bug in a handler" not in message  # no internals leak to the client
    assert "a bug in a handler" in caplog.text  # but the log has them


# --- tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"X-Auth-Token": "forged"}, {"X-Auth-Token": ""}])
async def test_a_route_needing_a_token_answers_401_without_a_valid_one(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/widgets/w1", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401
    assert response.headers["www-authenticate"] == 'Keystone uri="http://t/identity"'


async def test_a_valid_token_reaches_the_handler_as_the_caller(client: httpx.AsyncClient) -> None:
    response = await client.get("/widgets/w1", headers=TOKEN)
    assert response.status_code == 200
    assert response.json()["user_id"] == "alice"
    assert response.json()["params"] == {"widget_id": "w1"}


@pytest.mark.parametrize("headers", [{}, {"X-Auth-Token": "forged"}, TOKEN])
async def test_public_routes_need_no_token(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/", headers=headers)
    assert response.status_code == 200
    assert response.json()["user_id"] == ("alice" if headers == TOKEN else None)


async def test_a_route_may_be_public_for_some_methods_only(client: httpx.AsyncClient) -> None:
    assert (await client.post("/tokens")).status_code == 200
    assert (await client.get("/tokens")).status_code == 401
    assert (await client.get("/tokens", headers=TOKEN)).status_code == 200


# --- body limit --------------------------------------------------------------------------


async def test_a_declared_length_over_the_limit_is_413_before_the_handler() -> None:
    calls = Calls()
    async with client_for(make_app(calls=calls)) as client:
        response = await client.post("/sink", content=b"x" * (BODY_LIMIT + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == 413
    assert calls.methods == []


async def test_a_body_at_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    body = b'{"name": "' + b"x" * (BODY_LIMIT - 12) + b'"}'
    assert len(body) == BODY_LIMIT
    response = await client.post("/parse", content=body)
    assert response.status_code == 200


async def test_a_chunked_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(10):
            yield b"x" * 10
        yield b'"}'

    response = await client.post("/parse", content=chunks())
    assert response.status_code == 413
    assert "limit is 64 bytes" in response.json()["error"]["message"]


async def test_a_chunked_body_under_the_limit_is_read_whole(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name":'
        yield b' "small"}'

    response = await client.post("/parse", content=chunks())
    assert response.status_code == 200
    assert response.json() == {"got": {"name": "small"}}


# --- request bodies ----------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2", b"\xff\xfe"])
async def test_malformed_json_is_400(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/parse", content=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Malformed JSON in request body."


async def test_an_empty_body_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/parse", content=b"  ")
    assert response.status_code == 400


async def test_a_body_failing_its_schema_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/widgets", json={"colour": "red"}, headers=TOKEN)
    assert response.status_code == 400
    assert "'name' is a required property" in response.json()["error"]["message"]
    good = await client.post("/widgets", json={"name": "w"}, headers=TOKEN)
    assert good.status_code == 201
    assert good.json() == {"widget": {"name": "w"}}


# --- routing details ---------------------------------------------------------------------


async def call_raw(
    app: ASGIApp, method: str, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """Call the ASGI app directly: httpx drops HEAD bodies itself, this sees what was sent."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("t", 80),
        "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await app(scope, receive, send)
    start, *bodies = sent
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, b"".join(m.get("body", b"") for m in bodies)


async def test_head_falls_back_to_get_without_a_body() -> None:
    app = make_app()
    status, headers, body = await call_raw(app, "HEAD", "/widgets/w1", TOKEN)
    assert status == 200
    assert body == b""
    assert REQUEST_ID.match(headers["x-openstack-request-id"])
    get_status, _, get_body = await call_raw(app, "GET", "/widgets/w1", TOKEN)
    assert get_status == 200
    assert b'"method":"GET"' in get_body


async def test_head_through_a_client(client: httpx.AsyncClient) -> None:
    response = await client.head("/widgets/w1", headers=TOKEN)
    assert response.status_code == 200
    assert (await client.head("/actions", headers=TOKEN)).status_code == 405


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/widgets/", {}),
        ("/widgets/w1/", {"widget_id": "w1"}),
        ("/widgets/w1", {"widget_id": "w1"}),
    ],
)
async def test_a_trailing_slash_is_tolerated(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, headers=TOKEN)
    assert response.status_code == 200
    assert response.json()["params"] == params


async def test_paths_are_matched_below_the_mount_point() -> None:
    async with client_for(make_app(), root_path="/compute") as client:
        response = await client.get("/compute/widgets/w2", headers=TOKEN)
        missing = await client.get("/compute/compute/widgets/w2", headers=TOKEN)
    assert response.status_code == 200
    assert response.json()["params"] == {"widget_id": "w2"}
    assert missing.status_code == 404


# --- microversions -----------------------------------------------------------------------


@pytest.fixture
async def compute() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(make_app(format_nova, versions=COMPUTE)) as c:
        yield c


@pytest.mark.parametrize(
    ("headers", "version"),
    [
        ({}, "2.1"),
        ({"OpenStack-API-Version": "compute 2.53"}, "2.53"),
        ({"OpenStack-API-Version": "compute latest"}, "2.96"),
        ({"X-OpenStack-Nova-API-Version": "2.60"}, "2.60"),
        ({"OpenStack-API-Version": "placement 1.2, compute 2.10"}, "2.10"),
    ],
)
async def test_the_negotiated_version_is_echoed(
    compute: httpx.AsyncClient, headers: dict[str, str], version: str
) -> None:
    response = await compute.get("/widgets", headers={**TOKEN, **headers})
    assert response.status_code == 200
    assert response.headers["openstack-api-version"] == f"compute {version}"
    assert response.headers["x-openstack-nova-api-version"] == version
    assert response.headers["vary"] == "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
    major, minor = version.split(".")
    assert response.json()["version"] == [int(major), int(minor)]


async def test_a_version_out_of_range_is_406(compute: httpx.AsyncClient) -> None:
    response = await compute.get(
        "/widgets", headers={**TOKEN, "OpenStack-API-Version": "compute 2.97"}
    )
    assert response.status_code == 406
    fault = response.json()["notAcceptable"]
    assert fault["code"] == 406
    assert "2.97" in fault["message"]
    assert REQUEST_ID.match(response.headers["x-openstack-request-id"])


async def test_a_malformed_version_is_400(compute: httpx.AsyncClient) -> None:
    response = await compute.get(
        "/widgets", headers={**TOKEN, "X-OpenStack-Nova-API-Version": "2.x"}
    )
    assert response.status_code == 400
    assert response.json()["badRequest"]["code"] == 400


async def test_no_version_headers_without_a_version_range(client: httpx.AsyncClient) -> None:
    response = await client.get("/widgets", headers=TOKEN)
    assert response.status_code == 200
    assert "openstack-api-version" not in response.headers
    assert "vary" not in response.headers
    assert response.json()["version"] is None


async def test_errors_carry_the_negotiated_version(compute: httpx.AsyncClient) -> None:
    response = await compute.get(
        "/nowhere", headers={**TOKEN, "OpenStack-API-Version": "compute 2.53"}
    )
    assert response.status_code == 404
    assert response.headers["openstack-api-version"] == "compute 2.53"
    assert response.headers["x-openstack-nova-api-version"] == "2.53"
    assert "OpenStack-API-Version" in response.headers["vary"]
