"""Audit log entries as the API shows them (read-only: no request body updates or deletes one)."""

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from api.schemas.base import ApiModel
from api.services.audit import Outcome


class AuditEventOut(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1042,
                    "at": "2026-04-10T01:23:45.123456Z",
                    "actorSub": "3f0c6a52-8d1e-4a43-9d7c-2b1f0e6a9c11",
                    "actorKind": "user",
                    "actorOrg": "kyosei",
                    "actorRoles": ["secretariat"],
                    "action": "case.read",
                    "resourceType": "case",
                    "resourceId": "42",
                    "caseId": 42,
                    "outcome": "success",
                    "purpose": "meeting:12",
                    "requestId": "8b7e0d3c9a4f4e2b9f1c6d5a4b3c2d1e",
                    "detail": {"basis": "secretariat"},
                }
            ]
        }
    )

    id: int
    at: datetime = Field(description="When it happened (UTC).")
    actor_sub: str | None = Field(
        description="User id or API client id; null for a failed log-in (see resourceId)."
    )
    actor_kind: str | None = Field(description="`user` or `client`; null before authentication.")
    actor_org: str | None
    actor_roles: list[str]
    action: str = Field(description="What was done, e.g. `case.read`, `case.list`, `login`.")
    resource_type: str
    resource_id: str | None = Field(
        description="What was acted on; for a failed log-in, the account name tried "
        "(`client:<client id>` for an API client)."
    )
    case_id: int | None = Field(description="The case the entry concerns, if any.")
    outcome: Outcome
    purpose: str | None = Field(description="Why, e.g. the meeting id for access via a 支援会議.")
    request_id: str | None = Field(description="The request's X-Request-ID.")
    detail: dict[str, Any] = Field(description="Ids and reasons only; never names or notes.")
