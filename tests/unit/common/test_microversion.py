"""Microversion negotiation: the pure functions behind the middleware."""

from __future__ import annotations

import pytest

from pocketstack.common.microversion import VersionError, VersionRange, negotiate, parse_version

COMPUTE = VersionRange("compute", (2, 1), (2, 96), legacy_header="X-OpenStack-Nova-API-Version")
PLACEMENT = VersionRange("placement", (1, 0), (1, 39))


def test_absent_header_means_the_minimum() -> None:
    assert negotiate(COMPUTE, None) == (2, 1)
    assert negotiate(PLACEMENT, None, None) == (1, 0)


def test_a_header_for_another_service_means_the_minimum() -> None:
    assert negotiate(COMPUTE, "placement 1.30") == (2, 1)


@pytest.mark.parametrize("word", ["latest", "LATEST", "Latest"])
def test_latest_means_the_maximum(word: str) -> None:
    assert negotiate(COMPUTE, f"compute {word}") == (2, 96)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("compute 2.1", (2, 1)),
        ("compute 2.53", (2, 53)),
        ("compute 2.96", (2, 96)),
        ("Compute 2.10", (2, 10)),
        ("  compute   2.60  ", (2, 60)),
    ],
)
def test_a_version_in_range_is_granted(header: str, expected: tuple[int, int]) -> None:
    assert negotiate(COMPUTE, header) == expected


@pytest.mark.parametrize("header", ["compute 2.97", "compute 2.0", "compute 3.1", "compute 1.99"])
def test_a_version_out_of_range_raises(header: str) -> None:
    with pytest.raises(VersionError, match="not supported") as caught:
        negotiate(COMPUTE, header)
    assert "Minimum is 2.1 and maximum is 2.96" in str(caught.value)


@pytest.mark.parametrize(
    "header", ["compute 2", "compute 2.x", "compute two", "compute 2.1.3", "compute -2.1"]
)
def test_a_malformed_version_raises(header: str) -> None:
    with pytest.raises(VersionError, match="Invalid version"):
        negotiate(COMPUTE, header)


def test_the_legacy_header_is_used_when_the_new_one_is_absent() -> None:
    assert negotiate(COMPUTE, None, "2.42") == (2, 42)
    assert negotiate(COMPUTE, None, "latest") == (2, 96)
    assert negotiate(COMPUTE, "placement 1.2", " 2.7 ") == (2, 7)


def test_the_new_header_wins_over_the_legacy_one() -> None:
    assert negotiate(COMPUTE, "compute 2.30", "2.42") == (2, 30)


def test_the_legacy_header_is_checked_like_the_new_one() -> None:
    with pytest.raises(VersionError, match="not supported"):
        negotiate(COMPUTE, None, "2.100")
    with pytest.raises(VersionError, match="Invalid version"):
        negotiate(COMPUTE, None, "two")


@pytest.mark.parametrize(
    "header",
    [
        "placement 1.10, compute 2.53",
        "compute 2.53,placement 1.10",
        "identity 3.14, compute 2.53, placement latest",
    ],
)
def test_several_services_in_one_header(header: str) -> None:
    assert negotiate(COMPUTE, header) == (2, 53)


def test_each_service_reads_its_own_entry() -> None:
    header = "compute 2.53, placement latest"
    assert negotiate(PLACEMENT, header) == (1, 39)
    assert negotiate(COMPUTE, header) == (2, 53)


def test_parse_version_compares_numerically() -> None:
    assert parse_version("2.10") == (2, 10)
    assert parse_version("2.10") > parse_version("2.9")
    with pytest.raises(VersionError):
        parse_version("")


def test_format_is_the_inverse_of_parse() -> None:
    assert VersionRange.format((2, 10)) == "2.10"
    assert parse_version(VersionRange.format((1, 39))) == (1, 39)
