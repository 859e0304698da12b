"""Story: an admin makes availability zone profiles and zones (keyed by name), a member lists
and pages the zones, and a zone in use (by a load balancer) or a profile in use (by a zone)
can't be changed away or deleted; a new load balancer must name a zone that is enabled."""

from __future__ import annotations

import json

import pytest
from tests.api.loadbalancer.conftest import V2, LbClient

from pocketstack.loadbalancer.objects import availability_zones, graph
from pocketstack.loadbalancer.objects.errors import Invalid

ZONE_DATA = json.dumps({"compute_zone": "nova", "valid_vip_networks": ["n1"]})
PROFILES = f"{V2}/availabilityzoneprofiles"
ZONES = f"{V2}/availabilityzones"


async def _profile(lbc: LbClient, name: str = "azp", provider: str = "amphora",
                   data: str = ZONE_DATA) -> str:
    made = await lbc.post(PROFILES, json={"availability_zone_profile": {
        "name": name, "provider_name": provider, "availability_zone_data": data}})
    assert made.status_code == 201, made.text
    return str(made.json()["availability_zone_profile"]["id"])


async def _zone(lbc: LbClient, name: str, profile_id: str, **more: object) -> None:
    made = await lbc.post(ZONES, json={"availability_zone": {
        "name": name, "availability_zone_profile_id": profile_id, **more}})
    assert made.status_code == 201, made.text


async def test_zone_profiles_crud_and_validation(lbc: LbClient) -> None:
    member = await lbc.user("member")

    def profile(**fields: object) -> dict[str, object]:
        return {"availability_zone_profile": {"name": "p", "provider_name": "amphora",
                                              "availability_zone_data": "{}", **fields}}

    lbc.error(await lbc.post(PROFILES, token=member.token, json=profile()), 403)
    lbc.error(await lbc.post(PROFILES, json=profile(provider_name="nope")), 400,
              "Provider 'nope' is not enabled.")
    lbc.error(await lbc.post(PROFILES, json=profile(availability_zone_data="nope")), 400,
              "is not a valid option for availability_zone_data")
    lbc.error(await lbc.post(PROFILES, json=profile(
        availability_zone_data='{"compute_zone": "a", "rack": 4}')), 400,
        "does not support a requested option")
    lbc.error(await lbc.post(PROFILES, json=profile(
        availability_zone_data='{"valid_vip_networks": "n1"}')), 400)
    lbc.error(await lbc.post(PROFILES, json=profile(zone="a")), 400)

    first = await _profile(lbc, "azp-a")
    second = await _profile(lbc, "azp-b", "noop_driver", '{"rack": 4}')
    shown = await lbc.get(f"{PROFILES}/{first}")
    assert shown.json() == {"availability_zone_profile": {
        "id": first, "name": "azp-a", "provider_name": "amphora",
        "availability_zone_data": ZONE_DATA}}
    lbc.error(await lbc.get(PROFILES, token=member.token), 403)
    lbc.error(await lbc.get(f"{PROFILES}/{first}", token=member.token), 403)
    lbc.error(await lbc.get(f"{PROFILES}/0b0b0b0b-0000-4000-8000-000000000000"), 404,
              "Availability Zone Profile 0b0b0b0b-0000-4000-8000-000000000000 not found.")

    page = (await lbc.get(PROFILES, params={"limit": 1})).json()
    assert set(page) == {"availability_zone_profiles", "availability_zone_profile_links"}
    assert [p["id"] for p in page["availability_zone_profiles"]] == [first]
    assert page["availability_zone_profile_links"][0]["rel"] == "next"
    named = (await lbc.get(PROFILES, params={"name": "azp-b"})).json()
    assert [p["id"] for p in named["availability_zone_profiles"]] == [second]

    changed = await lbc.put(f"{PROFILES}/{second}", json={"availability_zone_profile": {
        "provider_name": "amphora", "availability_zone_data": '{"volume_zone": "v"}'}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["availability_zone_profile"]["provider_name"] == "amphora"
    lbc.error(await lbc.put(f"{PROFILES}/{second}", json={"availability_zone_profile": {
        "availability_zone_data": '{"rack": 4}'}}), 400)
    lbc.error(await lbc.put(f"{PROFILES}/{second}", token=member.token,
                            json={"availability_zone_profile": {"name": "x"}}), 403)
    assert (await lbc.delete(f"{PROFILES}/{second}")).status_code == 204
    lbc.error(await lbc.delete(f"{PROFILES}/{second}"), 404)


async def test_zones_crud_paging_and_conflicts(lbc: LbClient) -> None:
    member = await lbc.user("member")
    profile = await _profile(lbc)
    lbc.error(await lbc.post(ZONES, token=member.token, json={"availability_zone": {
        "name": "az1", "availability_zone_profile_id": profile}}), 403)
    lbc.error(await lbc.post(ZONES, json={"availability_zone": {
        "name": "az1", "availability_zone_profile_id": "0b0b0b0b-0000-4000-8000-0000000000"}}),
        400, "is not a valid option for availability_zone_profile_id")
    lbc.error(await lbc.post(ZONES, json={"availability_zone": {"name": "az1"}}), 400)

    made = await lbc.post(ZONES, json={"availability_zone": {
        "name": "az1", "availability_zone_profile_id": profile, "description": "first"}})
    assert made.status_code == 201, made.text
    assert made.json() == {"availability_zone": {
        "name": "az1", "description": "first", "enabled": True,
        "availability_zone_profile_id": profile}}
    lbc.error(await lbc.post(ZONES, json={"availability_zone": {
        "name": "az1", "availability_zone_profile_id": profile}}), 409,
        "A availability_zone of az1 already exists.")
    await _zone(lbc, "az2", profile, enabled=False)
    await _zone(lbc, "az3", profile)

    listed = await lbc.get(ZONES, token=member.token)
    assert listed.status_code == 200, listed.text
    assert set(listed.json()) == {"availability_zones", "availability_zones_links"}
    assert [z["name"] for z in listed.json()["availability_zones"]] == ["az1", "az2", "az3"]
    assert "id" not in listed.json()["availability_zones"][0]
    first = (await lbc.get(ZONES, params={"limit": 2})).json()
    assert [z["name"] for z in first["availability_zones"]] == ["az1", "az2"]
    assert "marker=az2" in first["availability_zones_links"][0]["href"]
    rest = (await lbc.get(ZONES, params={"limit": 2, "marker": "az2"})).json()
    assert [z["name"] for z in rest["availability_zones"]] == ["az3"]
    off = (await lbc.get(ZONES, params={"enabled": "False"})).json()["availability_zones"]
    assert [z["name"] for z in off] == ["az2"]
    shown = await lbc.get(f"{ZONES}/az2", token=member.token)
    assert shown.json()["availability_zone"]["enabled"] is False
    lbc.error(await lbc.get(f"{ZONES}/az9"), 404, "Availability Zone az9 not found.")

    changed = await lbc.put(f"{ZONES}/az2", json={"availability_zone": {
        "description": "second", "enabled": True}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["availability_zone"]["description"] == "second"
    assert changed.json()["availability_zone"]["enabled"] is True
    lbc.error(await lbc.put(f"{ZONES}/az2", json={"availability_zone": {"name": "az4"}}), 400)
    lbc.error(await lbc.put(f"{ZONES}/az2", token=member.token,
                            json={"availability_zone": {"enabled": False}}), 403)
    lbc.error(await lbc.put(f"{ZONES}/az9", json={"availability_zone": {"enabled": False}}),
              404)

    lbc.error(await lbc.put(f"{PROFILES}/{profile}", json={"availability_zone_profile": {
        "availability_zone_data": "{}"}}), 409,
        f"Availability Zone Profile {profile} is in use and cannot be modified.")
    lbc.error(await lbc.delete(f"{PROFILES}/{profile}"), 409, "is in use")
    lbc.error(await lbc.delete(f"{ZONES}/az1", token=member.token), 403)
    for name in ("az1", "az2", "az3"):
        assert (await lbc.delete(f"{ZONES}/{name}")).status_code == 204
    lbc.error(await lbc.delete(f"{ZONES}/az1"), 404)
    assert (await lbc.delete(f"{PROFILES}/{profile}")).status_code == 204


async def test_usable_and_in_use_at_the_object_level(lbc: LbClient) -> None:
    svc = lbc.service
    profile = await _profile(lbc)
    await _zone(lbc, "on", profile)
    await _zone(lbc, "off", profile, enabled=False)
    async with svc.reading() as conn:
        await availability_zones.check_usable(conn, "on")
        for name, message in (
                ("off", "The selected availability_zone is not allowed in this deployment: off"),
                ("gone", "Validation failure: Invalid availability zone.")):
            with pytest.raises(Invalid) as raised:
                await availability_zones.check_usable(conn, name)
            assert raised.value.message == message

    async with svc.writing() as conn:
        lb = await graph.insert(conn, "loadbalancer", {
            "project_id": lbc.admin.project_id, "name": "lb", "provisioning_status": "ACTIVE",
            "operating_status": "ONLINE", "admin_state_up": True, "topology": "SINGLE",
            "provider": "noop_driver", "availability_zone": "on"})
    async with svc.reading() as conn:
        assert await availability_zones.zone_in_use(conn, "on")
        assert not await availability_zones.zone_in_use(conn, "off")
    lbc.error(await lbc.delete(f"{ZONES}/on"), 409,
              "Availability Zone on is in use and cannot be modified.")
    async with svc.writing() as conn:
        await graph.set_status(conn, "loadbalancer", [lb["id"]], provisioning="DELETED")
    assert (await lbc.delete(f"{ZONES}/on")).status_code == 204


async def test_load_balancer_in_a_zone(lbc: LbClient) -> None:
    profile = await _profile(lbc, "noop-zone", "noop_driver", "{}")
    await _zone(lbc, "zone-a", profile)
    await _zone(lbc, "zone-b", profile, enabled=False)
    made = await lbc.create_lb(availability_zone="zone-a")
    shown = (await lbc.get(f"{V2}/loadbalancers/{made['id']}")).json()["loadbalancer"]
    assert shown["availability_zone"] == "zone-a"
    lbc.error(await lbc.delete(f"{ZONES}/zone-a"), 409, "is in use")
    subnet = await lbc.vip_subnet()
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json={"loadbalancer": {
        "vip_subnet_id": subnet, "availability_zone": "zone-b"}}), 400,
        "not allowed in this deployment: zone-b")
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json={"loadbalancer": {
        "vip_subnet_id": subnet, "availability_zone": "zone-z"}}), 400,
        "Invalid availability zone")
