"""Settings: a TOML file in the data dir, environment overrides, strict sections and options."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketstack.common.settings import (
    ApiSettings,
    IdentitySettings,
    Settings,
    load_settings,
)


def write_config(directory: Path, text: str) -> Path:
    path = directory / "pocketstack.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    assert settings.data_dir == tmp_path.resolve()
    assert settings.api == ApiSettings()
    assert settings.identity == IdentitySettings()
    assert settings.identity.token_expiration == 3600


def test_values_come_from_the_toml_file(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        '[api]\nport = 9999\nregion = "RegionTwo"\n\n'
        "[identity]\ntoken_expiration = 120\nmax_active_keys = 5\n",
    )
    settings = load_settings(tmp_path, env={})
    assert settings.api.port == 9999
    assert settings.api.region == "RegionTwo"
    assert settings.api.host == "127.0.0.1"  # untouched options keep their default
    assert settings.identity.token_expiration == 120
    assert settings.identity.max_active_keys == 5


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    write_config(tmp_path, "[identity]\ntoken_expiration = 120\n")
    env = {"POCKETSTACK_IDENTITY__TOKEN_EXPIRATION": "600"}
    settings = load_settings(tmp_path, env=env)
    assert settings.identity.token_expiration == 600


@pytest.mark.parametrize(("raw", "expected"), [("false", False), ("0", False), ("yes", True)])
def test_environment_values_take_the_option_type(tmp_path: Path, raw: str, expected: bool) -> None:
    env = {
        "POCKETSTACK_API__LOG_REQUESTS": raw,
        "POCKETSTACK_API__PORT": "8774",
        "POCKETSTACK_DATABASE__IDENTITY": "postgresql+asyncpg://db/identity",
    }
    settings = load_settings(tmp_path, env=env)
    assert settings.api.log_requests is expected
    assert settings.api.port == 8774
    assert settings.database.identity == "postgresql+asyncpg://db/identity"


def test_a_non_numeric_environment_value_for_a_number_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_settings(tmp_path, env={"POCKETSTACK_API__PORT": "eighty"})


def test_environment_variables_for_other_sections_are_ignored(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={"POCKETSTACK_API__TOKEN_EXPIRATION": "5"})
    assert settings.identity.token_expiration == 3600


def test_an_unknown_section_is_rejected(tmp_path: Path) -> None:
    write_config(tmp_path, "[compute_typo]\nx = 1\n")
    with pytest.raises(ValueError, match="compute_typo"):
        load_settings(tmp_path, env={})


def test_an_unknown_option_is_rejected(tmp_path: Path) -> None:
    write_config(tmp_path, "[identity]\ntoken_expiry = 5\n")
    with pytest.raises(ValueError, match=r"\[identity\].*token_expiry"):
        load_settings(tmp_path, env={})


def test_overrides_are_checked_like_the_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={}, overrides={"api": {"port": 1234}})
    assert settings.api.port == 1234
    with pytest.raises(ValueError, match="bogus"):
        load_settings(tmp_path, env={}, overrides={"api": {"bogus": 1}})


def test_data_dir_from_the_environment(tmp_path: Path) -> None:
    write_config(tmp_path, "[api]\nport = 7000\n")
    settings = load_settings(env={"POCKETSTACK_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path.resolve()
    assert settings.api.port == 7000


def test_config_file_from_the_environment(tmp_path: Path) -> None:
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    config = write_config(elsewhere, "[api]\nport = 7001\n")
    settings = load_settings(tmp_path / "data", env={"POCKETSTACK_CONFIG": str(config)})
    assert settings.api.port == 7001
    assert settings.data_dir == (tmp_path / "data").resolve()


def test_database_url_defaults_to_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    expected = f"sqlite+aiosqlite:///{tmp_path.resolve()}/db/identity.sqlite"
    assert settings.database_url("identity") == expected
    assert settings.database_url("placement").endswith("/db/placement.sqlite")


def test_database_url_from_the_file(tmp_path: Path) -> None:
    write_config(tmp_path, '[database]\nidentity = "mysql+aiomysql://root@db/identity"\n')
    settings = load_settings(tmp_path, env={})
    assert settings.database_url("identity") == "mysql+aiomysql://root@db/identity"


def test_public_url_is_derived_from_host_and_port(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api=ApiSettings(host="10.0.0.5", port=5000))
    assert settings.public_url == "http://10.0.0.5:5000"


def test_public_url_when_configured_loses_its_trailing_slash(tmp_path: Path) -> None:
    write_config(tmp_path, '[api]\npublic_url = "https://cloud.example.com/"\n')
    settings = load_settings(tmp_path, env={})
    assert settings.public_url == "https://cloud.example.com"


def test_directories_derive_from_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    assert settings.keys_dir == tmp_path.resolve() / "fernet-keys"
    assert settings.log_dir == tmp_path.resolve() / "logs"
