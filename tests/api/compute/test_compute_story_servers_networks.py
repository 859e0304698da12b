"""Story: networks at boot: "auto" picks the project's only network and the server gets an
address on it; an explicit network works; a port already bound is a 409, and "auto" among
several networks is ambiguous (409)."""

from __future__ import annotations

from tests.api.compute.conftest import ComputeClient


async def test_networks_at_boot(nova: ComputeClient) -> None:
    network_id = await nova.network("private", "10.0.0.0/24")
    auto = (await nova.boot(name="auto", networks="auto"))["id"]
    server = await nova.wait_for(auto, "ACTIVE")
    assert server is not None
    assert list(server["addresses"]) == ["private"]
    assert server["addresses"]["private"][0]["addr"].startswith("10.0.0.")

    ports = await nova.other("GET", "/network/v2.0/ports", params={"device_id": auto})
    bound = ports.json()["ports"][0]["id"]
    response = await nova.post("/servers", json={"server": {
        "name": "steal", "flavorRef": "1", "imageRef": await nova.default_image(),
        "networks": [{"port": bound}]}})
    nova.error(response, 409, f"Port {bound} is still in use.")

    explicit = (await nova.boot(name="explicit", networks=[{"uuid": network_id}]))["id"]
    assert await nova.wait_for(explicit, "ACTIVE") is not None

    await nova.network("second", "10.0.1.0/24")
    ambiguous = await nova.post("/servers", json={"server": {
        "name": "which", "flavorRef": "1", "imageRef": await nova.default_image(),
        "networks": "auto"}})
    nova.error(ambiguous, 409, "Multiple possible networks found")


async def test_another_projects_network_and_port_are_not_found(nova: ComputeClient) -> None:
    """Nova asks the network service with the caller's token: a network or port of another
    project (not shared) does not exist for the caller's boot (400)."""
    network_id = await nova.network("admins", "10.0.2.0/24")
    made = await nova.other("POST", "/network/v2.0/ports",
                            json={"port": {"network_id": network_id}})
    assert made.status_code == 201, made.text
    port_id = made.json()["port"]["id"]
    outsider = await nova.user("member")
    image = await nova.default_image()
    for networks, message in (([{"uuid": network_id}], f"Network {network_id} could not be found."),
                              ([{"port": port_id}], f"Port id {port_id} could not be found.")):
        refused = await nova.post("/servers", token=outsider.token, json={"server": {
            "name": "theft", "flavorRef": "1", "imageRef": image, "networks": networks}})
        nova.error(refused, 400, message)
    own = await nova.boot(name="own", networks=[{"port": port_id}])  # the owner may
    assert await nova.wait_for(own["id"], "ACTIVE") is not None
