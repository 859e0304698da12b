"""Request schemas for identity, as Keystone validates them (data, compiled once)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import Schema, schema

__all__ = [
    "APP_CRED_CREATE", "AUTH", "DOMAIN_CREATE", "DOMAIN_UPDATE", "ENDPOINT_CREATE",
    "ENDPOINT_UPDATE", "PASSWORD_CHANGE", "PROJECT_CREATE", "PROJECT_UPDATE", "REGION_CREATE",
    "REGION_UPDATE", "ROLE_CREATE", "ROLE_UPDATE", "SERVICE_CREATE", "SERVICE_UPDATE",
    "USER_CREATE", "USER_UPDATE",
]

_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"[\S]+"}
_ID = {"type": "string", "minLength": 1, "maxLength": 64}
_NULLABLE_ID = {"type": ["string", "null"], "minLength": 1, "maxLength": 64}
_DESCRIPTION = {"type": ["string", "null"]}
_ENABLED = {"type": "boolean"}
_TAGS = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 255,
                                    "pattern": "^[^,/]*$"}, "maxItems": 80}
_PASSWORD = {"type": ["string", "null"], "maxLength": 4096}
_OPTIONS = {"type": "object"}


def _wrapped(key: str, props: dict[str, Any], *, required: tuple[str, ...] = (),
             extra: bool = True, min_props: int = 0) -> Schema:
    inner: dict[str, Any] = {"type": "object", "properties": props,
                             "additionalProperties": extra}
    if required:
        inner["required"] = list(required)
    if min_props:
        inner["minProperties"] = min_props
    return schema({"type": "object", "properties": {key: inner}, "required": [key]})


_DOMAIN = {"name": _NAME, "description": _DESCRIPTION, "enabled": _ENABLED, "tags": _TAGS,
           "options": _OPTIONS, "explicit_domain_id": _ID}
DOMAIN_CREATE = _wrapped("domain", _DOMAIN, required=("name",))
DOMAIN_UPDATE = _wrapped("domain", _DOMAIN, min_props=1)

_PROJECT = {"name": _NAME, "description": _DESCRIPTION, "enabled": _ENABLED,
            "domain_id": _NULLABLE_ID, "parent_id": _NULLABLE_ID, "is_domain": {"type": "boolean"},
            "tags": _TAGS, "options": _OPTIONS}
PROJECT_CREATE = _wrapped("project", _PROJECT, required=("name",))
PROJECT_UPDATE = _wrapped("project", _PROJECT, min_props=1)

_USER = {"name": _NAME, "domain_id": _NULLABLE_ID, "enabled": _ENABLED, "password": _PASSWORD,
         "default_project_id": _NULLABLE_ID, "description": _DESCRIPTION, "options": _OPTIONS}
USER_CREATE = _wrapped("user", _USER, required=("name",))
USER_UPDATE = _wrapped("user", _USER, min_props=1)

PASSWORD_CHANGE = _wrapped(
    "user", {"password": {"type": "string", "maxLength": 4096},
             "original_password": {"type": "string", "maxLength": 4096}},
    required=("password", "original_password"), extra=False)

_ROLE = {"name": _NAME, "domain_id": _NULLABLE_ID, "description": _DESCRIPTION,
         "options": _OPTIONS}
ROLE_CREATE = _wrapped("role", _ROLE, required=("name",))
ROLE_UPDATE = _wrapped("role", _ROLE, min_props=1)

_REGION = {"id": _ID, "description": _DESCRIPTION, "parent_region_id": _NULLABLE_ID}
REGION_CREATE = _wrapped("region", _REGION)
REGION_UPDATE = _wrapped("region", {k: v for k, v in _REGION.items() if k != "id"}, min_props=1)

_SERVICE = {"type": {"type": "string", "minLength": 1, "maxLength": 255}, "enabled": _ENABLED,
            "name": {"type": "string", "maxLength": 255}, "description": _DESCRIPTION}
SERVICE_CREATE = _wrapped("service", _SERVICE, required=("type",))
SERVICE_UPDATE = _wrapped("service", _SERVICE, min_props=1)

_ENDPOINT = {"interface": {"type": "string", "enum": ["public", "internal", "admin"]},
             "region_id": _NULLABLE_ID, "region": _NULLABLE_ID, "service_id": _ID,
             "url": {"type": "string", "minLength": 1, "maxLength": 225,
                     "pattern": "^[a-zA-Z0-9+.-]+:.+"}, "enabled": _ENABLED}
ENDPOINT_CREATE = _wrapped("endpoint", _ENDPOINT, required=("interface", "service_id", "url"))
ENDPOINT_UPDATE = _wrapped("endpoint", _ENDPOINT, min_props=1)

APP_CRED_CREATE = _wrapped(
    "application_credential",
    {"name": _NAME, "description": _DESCRIPTION, "secret": {"type": ["string", "null"]},
     "expires_at": {"type": ["string", "null"]}, "unrestricted": {"type": ["boolean", "null"]},
     "roles": {"type": "array", "items": {"type": "object", "properties": {
         "id": _ID, "name": _NAME}, "minProperties": 1, "maxProperties": 1,
         "additionalProperties": False}},
     "access_rules": {"type": "array", "items": {"type": "object"}}},
    required=("name",), extra=False)

_DOMAIN_REF = {"type": "object", "properties": {"id": _ID, "name": _NAME},
               "minProperties": 1}
_USER_REF = {"type": "object", "properties": {"id": _ID, "name": _NAME, "domain": _DOMAIN_REF,
                                              "password": {"type": "string"}}}
AUTH = schema({
    "type": "object", "required": ["auth"],
    "properties": {"auth": {
        "type": "object", "required": ["identity"],
        "properties": {
            "identity": {
                "type": "object", "required": ["methods"],
                "properties": {
                    "methods": {"type": "array", "minItems": 1,
                                "items": {"type": "string"}},
                    "password": {"type": "object", "required": ["user"],
                                 "properties": {"user": _USER_REF}},
                    "token": {"type": "object", "required": ["id"],
                              "properties": {"id": {"type": "string"}}},
                    "application_credential": {
                        "type": "object", "required": ["secret"],
                        "properties": {"id": _ID, "name": _NAME, "secret": {"type": "string"},
                                       "user": _USER_REF}},
                },
            },
            "scope": {"anyOf": [
                {"type": "string", "enum": ["unscoped"]},
                {"type": "object", "properties": {
                    "project": {"type": "object", "properties": {
                        "id": _ID, "name": _NAME, "domain": _DOMAIN_REF}, "minProperties": 1},
                    "domain": _DOMAIN_REF,
                    "system": {"type": "object", "properties": {"all": {"type": "boolean"}}},
                }},
            ]},
        },
    }},
})
