"""Request and response bodies of the administration of users and partner-agency API clients.

Password hashes and client-secret hashes never appear in a response; a new client's secret is
shown once, in the response that creates it.
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from api.schemas.base import ApiModel, InputModel
from api.schemas.master import RefCode, no_control_chars, not_null, patch_field
from domain.access import AGENCY_CLIENT_SCOPES, Role, Scope

Username = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"),
    Field(description="Log-in name: letters, digits and `._@-`; stored in lower case."),
]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Password = Annotated[
    str,
    # Not stripped: the password is used exactly as typed, as at log-in.
    StringConstraints(strip_whitespace=False, min_length=12, max_length=1000),
    Field(json_schema_extra={"format": "password", "writeOnly": True}),
]
Email = Annotated[EmailStr, StringConstraints(max_length=320)]
Roles = Annotated[list[Role], Field(min_length=1, max_length=len(Role))]
ClientName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ClientScopes = Annotated[
    list[Scope],
    Field(
        min_length=1,
        max_length=len(Scope),
        description="A subset of " + ", ".join(f"`{s}`" for s in sorted(AGENCY_CLIENT_SCOPES)) + ".",
    ),
]


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _email(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError as exc:
        if any(e["type"] == "value_error" for e in exc.errors()):
            raise ValueError("メールアドレスの形式が正しくありません。") from None
        raise


def _unique_roles(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(set(value), key=list(Role).index)
    return value


def _agency_scopes(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    extra = sorted(str(s) for s in set(value) - AGENCY_CLIENT_SCOPES)
    if extra:
        raise ValueError(
            "連携クライアントに付与できないスコープです: "
            + ", ".join(extra)
            + "（付与できるもの: "
            + ", ".join(sorted(AGENCY_CLIENT_SCOPES))
            + "）"
        )
    return sorted(set(value))


# ---- users ----


class UserCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "koreifukushi.suzuki",
                    "displayName": "鈴木 一郎",
                    "email": "suzuki@city.kokubunji.example.jp",
                    "password": "change-me-on-first-login",
                    "org": "koreifukushi",
                    "roles": ["staff"],
                },
                {
                    "username": "coordinator.tanaka",
                    "displayName": "田中 花子",
                    "password": "change-me-on-first-login",
                    "org": "shakyo_west",
                    "roles": ["coordinator"],
                    "area": "west",
                },
            ]
        }
    )

    username: Username
    display_name: DisplayName
    email: Email | None = None
    password: Password = Field(
        repr=False, description="An initial password of at least 12 characters. Never returned."
    )
    org: RefCode = Field(description="Org unit or agency code (see listOrganizations).")
    roles: Roles
    area: RefCode | None = Field(default=None, description="担当圏域: coordinators only (east / west).")

    _username = field_validator("username")(_lower)
    _text = field_validator("display_name")(no_control_chars)
    _email_format = field_validator("email", mode="wrap")(_email)
    _roles = field_validator("roles")(_unique_roles)


class UserUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"active": False},
                {"roles": ["chief"]},
                {"password": "a-new-temporary-password"},
                {"org": "shakyo_east", "roles": ["coordinator"], "area": "east"},
            ]
        }
    )

    display_name: DisplayName | None = patch_field()
    email: Email | None = Field(default=None, description="null removes the address.")
    roles: Roles | None = patch_field()
    org: RefCode | None = patch_field()
    area: RefCode | None = Field(default=None, description="null removes the area.")
    active: bool | None = patch_field(
        description="false disables the account; its tokens stop working at once."
    )
    password: Password | None = patch_field(
        repr=False,
        description="A new password (at least 12 characters); ends all sessions.",
    )

    _nulls = field_validator("display_name", "roles", "org", "active", "password")(not_null)
    _text = field_validator("display_name")(no_control_chars)
    _email_format = field_validator("email", mode="wrap")(_email)
    _roles = field_validator("roles")(_unique_roles)


class UserOut(ApiModel):
    id: str
    username: str
    display_name: str
    email: str | None
    org: str
    org_name: str
    roles: list[Role]
    area: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


# ---- API clients ----


class ApiClientCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "地域包括支援センター第1 記録システム",
                    "org": "hokatsu_1",
                    "scopes": ["cases:read", "master:read"],
                }
            ]
        }
    )

    name: ClientName
    org: RefCode = Field(description="The partner agency (an organization of kind `agency`).")
    scopes: ClientScopes | None = Field(
        default=None, description="Defaults to every scope a partner-agency client may hold."
    )

    _text = field_validator("name")(no_control_chars)
    _scopes = field_validator("scopes")(_agency_scopes)


class ApiClientUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"active": False}, {"scopes": ["cases:read", "master:read"]}]}
    )

    name: ClientName | None = patch_field()
    active: bool | None = patch_field(
        description="false disables the client; its tokens stop working at once."
    )
    scopes: ClientScopes | None = patch_field()

    _nulls = field_validator("name", "active", "scopes")(not_null)
    _text = field_validator("name")(no_control_chars)
    _scopes = field_validator("scopes")(_agency_scopes)


class ApiClientOut(ApiModel):
    client_id: str
    name: str
    org: str
    scopes: list[str]
    active: bool
    created_at: datetime


class ApiClientCreated(ApiClientOut):
    client_secret: str = Field(
        description="Shown only in this response; store it safely. It cannot be read again."
    )
