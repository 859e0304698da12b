"""Story: an admin looks at the providers and what their flavors may say, makes flavor
profiles and flavors, a member lists and pages the flavors, and a flavor in use (by a load
balancer) or a profile in use (by a flavor) can't be changed away or deleted."""

from __future__ import annotations

import json

import pytest
from tests.api.loadbalancer.conftest import V2, LbClient

from pocketstack.loadbalancer.objects import flavors, graph
from pocketstack.loadbalancer.objects.errors import Invalid

ACTIVE_STANDBY = json.dumps({"loadbalancer_topology": "ACTIVE_STANDBY", "compute_flavor": "1"})


async def _profile(lbc: LbClient, name: str = "fp", provider: str = "amphora",
                   data: str = ACTIVE_STANDBY) -> str:
    made = await lbc.post(f"{V2}/flavorprofiles", json={"flavorprofile": {
        "name": name, "provider_name": provider, "flavor_data": data}})
    assert made.status_code == 201, made.text
    return str(made.json()["flavorprofile"]["id"])


async def _flavor(lbc: LbClient, name: str, profile_id: str, **more: object) -> str:
    made = await lbc.post(f"{V2}/flavors", json={"flavor": {
        "name": name, "flavor_profile_id": profile_id, **more}})
    assert made.status_code == 201, made.text
    return str(made.json()["flavor"]["id"])


async def test_providers_and_capabilities(lbc: LbClient) -> None:
    member = await lbc.user("member")
    listed = await lbc.get(f"{V2}/providers", token=member.token)
    assert listed.status_code == 200, listed.text
    by_name = {p["name"]: p["description"] for p in listed.json()["providers"]}
    assert by_name["amphora"] == "The Octavia Amphora driver."
    assert by_name["octavia"] == "Deprecated alias of the Octavia Amphora driver."
    assert "noop_driver" in by_name and set(listed.json()) == {"providers"}
    names = await lbc.get(f"{V2}/providers", params={"fields": "name"})
    assert all(set(p) == {"name"} for p in names.json()["providers"])

    caps = await lbc.get(f"{V2}/providers/amphora/flavor_capabilities")
    assert caps.status_code == 200, caps.text
    assert {c["name"] for c in caps.json()["flavor_capabilities"]} == {
        "loadbalancer_topology", "compute_flavor", "amp_image_tag", "sriov_vip",
        "allow_member_sriov"}
    one = await lbc.get(f"{V2}/providers/octavia/flavor_capabilities",
                        params={"name": "loadbalancer_topology"})
    [topology] = one.json()["flavor_capabilities"]
    assert "ACTIVE_STANDBY" in topology["description"]
    zones = await lbc.get(f"{V2}/providers/amphora/availability_zone_capabilities")
    assert {c["name"] for c in zones.json()["availability_zone_capabilities"]} == {
        "compute_zone", "volume_zone", "management_network", "valid_vip_networks"}
    lbc.error(await lbc.get(f"{V2}/providers/bogus/flavor_capabilities"), 400,
              "Provider 'bogus' is not enabled.")
    lbc.error(await lbc.get(f"{V2}/providers/amphora/availability_zone_capabilities",
                            token=member.token), 403, "Policy does not allow")


async def test_flavor_profiles_crud_and_validation(lbc: LbClient) -> None:
    member = await lbc.user("member")
    url = f"{V2}/flavorprofiles"

    def profile(**fields: object) -> dict[str, object]:
        return {"flavorprofile": {"name": "p", "provider_name": "amphora",
                                  "flavor_data": "{}", **fields}}

    lbc.error(await lbc.post(url, token=member.token, json=profile()), 403)
    lbc.error(await lbc.post(url, json=profile(provider_name="bogus")), 400,
              "Provider 'bogus' is not enabled.")
    lbc.error(await lbc.post(url, json=profile(flavor_data="{nope")), 400,
              "is not a valid option for flavor_data")
    lbc.error(await lbc.post(url, json=profile(flavor_data="[1]")), 400,
              "is not a valid option for flavor_data")
    lbc.error(await lbc.post(url, json=profile(flavor_data='{"colour": "red"}')), 400,
              "does not support a requested option")
    lbc.error(await lbc.post(url, json=profile(
        flavor_data='{"loadbalancer_topology": "ACTIVE_ACTIVE"}')), 400, "ACTIVE_ACTIVE")
    lbc.error(await lbc.post(url, json=profile(flavor_data='{"sriov_vip": "yes"}')), 400)
    lbc.error(await lbc.post(url, json=profile(flavor_data=" " * 4097)), 400)
    lbc.error(await lbc.post(url, json=profile(flavor=1)), 400)
    lbc.error(await lbc.post(url, json={"flavorprofile": {"name": "p"}}), 400)

    first = await _profile(lbc, "fp-a")
    noop = await _profile(lbc, "fp-b", "noop_driver", '{"anything": {"goes": true}}')
    await _profile(lbc, "fp-c", "octavia", '{"sriov_vip": false}')
    shown = await lbc.get(f"{url}/{first}")
    assert shown.json() == {"flavorprofile": {"id": first, "name": "fp-a",
                                              "provider_name": "amphora",
                                              "flavor_data": ACTIVE_STANDBY}}
    lbc.error(await lbc.get(f"{url}/{first}", token=member.token), 403)
    lbc.error(await lbc.get(url, token=member.token), 403)
    lbc.error(await lbc.get(f"{url}/0b0b0b0b-0000-4000-8000-000000000000"), 404, "not found")

    listed = (await lbc.get(url)).json()
    assert set(listed) == {"flavorprofiles", "flavorprofile_links"}
    assert [p["name"] for p in listed["flavorprofiles"]] == ["fp-a", "fp-b", "fp-c"]
    only = (await lbc.get(url, params={"provider_name": "noop_driver"})).json()
    assert [p["id"] for p in only["flavorprofiles"]] == [noop]
    page = (await lbc.get(url, params={"limit": 2})).json()
    assert [p["name"] for p in page["flavorprofiles"]] == ["fp-a", "fp-b"]
    assert [link["rel"] for link in page["flavorprofile_links"]] == ["next"]
    rest = (await lbc.get(url, params={"limit": 2, "marker": noop})).json()
    assert [p["name"] for p in rest["flavorprofiles"]] == ["fp-c"]
    lbc.error(await lbc.get(url, params={"colour": "red"}), 400, "duplicate or invalid")

    renamed = await lbc.put(f"{url}/{noop}", json={"flavorprofile": {
        "name": "fp-noop", "flavor_data": '{"x": 1}'}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["flavorprofile"]["flavor_data"] == '{"x": 1}'
    lbc.error(await lbc.put(f"{url}/{noop}", json={"flavorprofile": {
        "provider_name": "amphora"}}), 400, "does not support a requested option")
    lbc.error(await lbc.put(f"{url}/{noop}", json={"flavorprofile": {"name": None}}), 400,
              "None is not a valid option for name")
    lbc.error(await lbc.put(f"{url}/{noop}", token=member.token,
                            json={"flavorprofile": {"name": "x"}}), 403)
    assert (await lbc.delete(f"{url}/{noop}")).status_code == 204
    lbc.error(await lbc.delete(f"{url}/{noop}"), 404)


async def test_flavors_crud_paging_and_conflicts(lbc: LbClient) -> None:
    member = await lbc.user("member")
    profile = await _profile(lbc)
    url = f"{V2}/flavors"
    lbc.error(await lbc.post(url, token=member.token, json={"flavor": {
        "name": "x", "flavor_profile_id": profile}}), 403)
    lbc.error(await lbc.post(url, json={"flavor": {
        "name": "x", "flavor_profile_id": "0b0b0b0b-0000-4000-8000-000000000000"}}), 400,
        "is not a valid option for flavor_profile_id")
    lbc.error(await lbc.post(url, json={"flavor": {"flavor_profile_id": profile}}), 400)
    lbc.error(await lbc.post(url, json={"flavor": {
        "name": "x", "flavor_profile_id": profile, "topology": "SINGLE"}}), 400)

    made = await lbc.post(url, json={"flavor": {"name": "gold", "flavor_profile_id": profile}})
    assert made.status_code == 201, made.text
    gold = made.json()["flavor"]
    assert gold == {"id": gold["id"], "name": "gold", "description": "", "enabled": True,
                    "flavor_profile_id": profile}
    lbc.error(await lbc.post(url, json={"flavor": {"name": "gold",
                                                   "flavor_profile_id": profile}}), 409,
              "A flavor of gold already exists.")
    silver = await _flavor(lbc, "silver", profile, description="cheaper", enabled=False)
    bronze = await _flavor(lbc, "bronze", profile)

    seen = await lbc.get(url, token=member.token)
    assert seen.status_code == 200, seen.text
    assert [f["name"] for f in seen.json()["flavors"]] == ["gold", "silver", "bronze"]
    assert (await lbc.get(f"{url}/{silver}", token=member.token)).json()["flavor"] == {
        "id": silver, "name": "silver", "description": "cheaper", "enabled": False,
        "flavor_profile_id": profile}
    off = (await lbc.get(url, params={"enabled": "false"})).json()["flavors"]
    assert [f["id"] for f in off] == [silver]
    named = (await lbc.get(url, params={"name": "bronze"})).json()["flavors"]
    assert [f["id"] for f in named] == [bronze]
    by_name = (await lbc.get(url, params={"sort": "name:asc", "limit": 1})).json()
    assert [f["name"] for f in by_name["flavors"]] == ["bronze"]
    assert by_name["flavors_links"][0]["rel"] == "next"
    fields = (await lbc.get(url, params={"fields": "name"})).json()["flavors"]
    assert fields == [{"name": "gold"}, {"name": "silver"}, {"name": "bronze"}]

    changed = await lbc.put(f"{url}/{silver}", json={"flavor": {
        "name": "platinum", "description": None, "enabled": True}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["flavor"]["description"] == ""
    assert changed.json()["flavor"]["name"] == "platinum"
    lbc.error(await lbc.put(f"{url}/{silver}", json={"flavor": {"name": "gold"}}), 409,
              "A flavor of gold already exists.")
    lbc.error(await lbc.put(f"{url}/{silver}", json={"flavor": {
        "flavor_profile_id": profile}}), 400)
    lbc.error(await lbc.put(f"{url}/{silver}", token=member.token,
                            json={"flavor": {"enabled": False}}), 403)
    lbc.error(await lbc.delete(f"{url}/{silver}", token=member.token), 403)

    # The profile is in use by flavors: its data can't change, it can't go; a rename can.
    lbc.error(await lbc.put(f"{V2}/flavorprofiles/{profile}", json={"flavorprofile": {
        "flavor_data": "{}"}}), 409, f"Flavor profile {profile} is in use")
    lbc.error(await lbc.delete(f"{V2}/flavorprofiles/{profile}"), 409, "is in use")
    renamed = await lbc.put(f"{V2}/flavorprofiles/{profile}",
                            json={"flavorprofile": {"name": "renamed"}})
    assert renamed.status_code == 200, renamed.text

    for flavor_id in (gold["id"], silver, bronze):
        assert (await lbc.delete(f"{url}/{flavor_id}")).status_code == 204
    lbc.error(await lbc.get(f"{url}/{gold['id']}"), 404, f"Flavor {gold['id']} not found.")
    lbc.error(await lbc.delete(f"{url}/{gold['id']}"), 404)
    assert (await lbc.delete(f"{V2}/flavorprofiles/{profile}")).status_code == 204


async def test_placement_and_in_use_at_the_object_level(lbc: LbClient) -> None:
    svc = lbc.service
    settings = svc.settings.loadbalancer
    standby = await _flavor(lbc, "standby", await _profile(lbc))
    plain = await _flavor(lbc, "plain", await _profile(lbc, "noop", "noop_driver", "{}"))
    off = await _flavor(lbc, "off", await _profile(lbc, "single", data="{}"), enabled=False)

    async with svc.reading() as conn:
        assert await flavors.placement_of(conn, None, None, settings) == (
            "noop_driver", "SINGLE")
        assert await flavors.placement_of(conn, None, "amphora", settings) == (
            "amphora", "SINGLE")
        assert await flavors.placement_of(conn, standby, None, settings) == (
            "amphora", "ACTIVE_STANDBY")
        assert await flavors.placement_of(conn, standby, "amphora", settings) == (
            "amphora", "ACTIVE_STANDBY")
        assert await flavors.placement_of(conn, plain, None, settings) == (
            "noop_driver", "SINGLE")
        failures = {
            (None, "bogus"): "Provider 'bogus' is not enabled.",
            ("0b0b0b0b-0000-4000-8000-000000000000", None):
                "Validation failure: Invalid flavor_id.",
            (standby, "octavia"):
                f"Flavor '{standby}' is not compatible with provider 'octavia'",
            (off, None): f"The selected flavor is not allowed in this deployment: {off}",
        }
        for (flavor_id, provider), message in failures.items():
            with pytest.raises(Invalid) as raised:
                await flavors.placement_of(conn, flavor_id, provider, settings)
            assert raised.value.message == message

    async with svc.writing() as conn:
        lb = await graph.insert(conn, "loadbalancer", {
            "project_id": lbc.admin.project_id, "name": "lb", "provisioning_status": "ACTIVE",
            "operating_status": "ONLINE", "admin_state_up": True, "topology": "SINGLE",
            "provider": "noop_driver", "flavor_id": plain})
    async with svc.reading() as conn:
        assert await flavors.flavor_in_use(conn, plain)
        assert not await flavors.flavor_in_use(conn, standby)
    lbc.error(await lbc.delete(f"{V2}/flavors/{plain}"), 409,
              f"Flavor {plain} is in use and cannot be modified.")
    async with svc.writing() as conn:
        await graph.set_status(conn, "loadbalancer", [lb["id"]], provisioning="DELETED")
    assert (await lbc.delete(f"{V2}/flavors/{plain}")).status_code == 204


async def test_load_balancer_takes_provider_and_topology_from_its_flavor(
        lbc: LbClient) -> None:
    profile = await _profile(lbc, "noop-standby", "noop_driver",
                             '{"loadbalancer_topology": "ACTIVE_STANDBY"}')
    flavor = await _flavor(lbc, "ha", profile)
    made = await lbc.create_lb(flavor_id=flavor, name="flavored")
    assert made["flavor_id"] == flavor and made["provider"] == "noop_driver"
    shown = (await lbc.get(f"{V2}/loadbalancers/{made['id']}")).json()["loadbalancer"]
    assert shown["flavor_id"] == flavor and shown["provider"] == "noop_driver"
    async with lbc.service.reading() as conn:
        assert (await graph.get(conn, "loadbalancer", made["id"]))["topology"] == \
            "ACTIVE_STANDBY"
    lbc.error(await lbc.delete(f"{V2}/flavors/{flavor}"), 409, "is in use")

    subnet = await lbc.vip_subnet()
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json={"loadbalancer": {
        "vip_subnet_id": subnet, "flavor_id": flavor, "provider": "amphora"}}), 400,
        "is not compatible with provider 'amphora'")
    assert (await lbc.put(f"{V2}/flavors/{flavor}",
                          json={"flavor": {"enabled": False}})).status_code == 200
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json={"loadbalancer": {
        "vip_subnet_id": subnet, "flavor_id": flavor}}), 400,
        f"The selected flavor is not allowed in this deployment: {flavor}")
