"""Token endpoint and current-principal shapes."""

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.base import ApiModel


class TokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9...",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6InJlZnJlc2granR0In0...",
                    "scope": "cases:read cases:write",
                }
            ]
        }
    )

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str | None = None
    scope: str


class Me(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sub": "3f0c…",
                    "kind": "user",
                    "username": "kyosei.sato",
                    "displayName": "佐藤 花子",
                    "org": "kyosei",
                    "orgName": "地域共生推進課",
                    "dept": "health",
                    "roles": ["secretariat"],
                    "scopes": ["cases:read", "cases:write"],
                    "area": None,
                }
            ]
        }
    )

    sub: str
    kind: str
    username: str | None = None
    display_name: str | None = None
    org: str | None
    org_name: str | None = None
    dept: str
    roles: list[str]
    scopes: list[str]
    area: str | None = None
