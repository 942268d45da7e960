"""The one way to write the audit log (access.md "The audit log").

Successful actions are recorded in the request's own transaction, so that they commit or roll back
with the change they describe. Refusals and failed log-ins are recorded in a transaction of their
own (after the request's), because the request that caused them fails and rolls back.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    Table,
    bindparam,
    cast,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from api.clock import now
from api.db import write_independently
from api.models import AuditEvent
from domain.access import Principal


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class Entry:
    """One entry of ``AuditTrail.record_many``: the resource, its case, purpose and detail."""

    resource_id: str | int | None
    case_id: int | None = None
    purpose: str | None = None
    detail: dict[str, Any] | None = None


def _audit_table() -> Table:
    table = AuditEvent.__table__
    assert isinstance(table, Table)
    return table


# Core inserts, not the ORM's: an audit entry is never read back in the request, and the ORM's
# bulk insert adds its bookkeeping (and RETURNING of the ids) to every read.
AUDIT_TABLE = _audit_table()
_SHARED_COLUMNS = [
    c.name for c in AUDIT_TABLE.columns if c.name not in ("id", "resource_id", "case_id")
]


def _case_reads_insert() -> Insert:
    """One entry per case id of ``:case_ids``, the other columns from ``:v_<column>``; built
    once (PostgreSQL only: ``unnest``).

    The ids travel as one array literal (``{1,2,3}``), cast to ``integer[]`` by PostgreSQL: a
    Python list went through SQLAlchemy's and psycopg's array adaptation element by element,
    the largest per-row cost of a page of 50 (docs/benchmarks.md)."""
    ids = cast(bindparam("case_ids", type_=String), ARRAY(Integer))
    case_id = func.unnest(ids).column_valued("case_id")
    values = [bindparam(f"v_{name}", type_=AUDIT_TABLE.c[name].type) for name in _SHARED_COLUMNS]
    return insert(AUDIT_TABLE).from_select(
        [*_SHARED_COLUMNS, "resource_id", "case_id"],
        select(*values, cast(case_id, String), case_id),
    )


_CASE_READS = _case_reads_insert()
_INSERT = insert(AUDIT_TABLE)


@dataclass
class AuditTrail:
    session: Session
    principal: Principal | None
    request_id: str | None

    def _row(
        self,
        *,
        action: str,
        resource_type: str,
        resource_id: str | int | None,
        case_id: int | None,
        outcome: Outcome,
        purpose: str | None,
        detail: dict[str, Any] | None,
        actor: Principal | None,
        actor_sub: str | None,
    ) -> dict[str, Any]:
        who = actor or self.principal
        return {
            "at": now(),
            "actor_sub": who.sub if who else actor_sub,
            "actor_kind": str(who.kind) if who else None,
            "actor_org": who.org if who else None,
            "actor_roles": sorted(str(r) for r in who.roles) if who else [],
            "action": action,
            "resource_type": resource_type,
            "resource_id": None if resource_id is None else str(resource_id),
            "case_id": case_id,
            "outcome": str(outcome),
            "purpose": purpose,
            "request_id": self.request_id,
            "detail": detail or {},
        }

    def record(
        self,
        action: str,
        resource_type: str,
        resource_id: str | int | None = None,
        *,
        case_id: int | None = None,
        purpose: str | None = None,
        detail: dict[str, Any] | None = None,
        actor: Principal | None = None,
        actor_sub: str | None = None,
    ) -> None:
        """Record a successful action in the request's transaction."""
        self._insert(
            [
                self._row(
                    action=action,
                    resource_type=resource_type,
                    resource_id=resource_id,
                    case_id=case_id,
                    outcome=Outcome.SUCCESS,
                    purpose=purpose,
                    detail=detail,
                    actor=actor,
                    actor_sub=actor_sub,
                )
            ]
        )

    def record_many(self, action: str, resource_type: str, entries: Iterable[Entry]) -> None:
        """Record one successful action on several resources (one entry each) in one statement,
        so that a list does not write its audit entries row by row."""
        self._insert(
            [
                self._row(
                    action=action,
                    resource_type=resource_type,
                    resource_id=e.resource_id,
                    case_id=e.case_id,
                    outcome=Outcome.SUCCESS,
                    purpose=e.purpose,
                    detail=e.detail,
                    actor=None,
                    actor_sub=None,
                )
                for e in entries
            ]
        )

    def record_case_reads(self, action: str, case_ids: Iterable[int]) -> None:
        """One entry per case that appears in a list or search result.

        On PostgreSQL the entries are one ``INSERT … SELECT … FROM unnest(:case_ids)``: a page of
        50 cases took 10 ms as 50 inserted rows (executemany), 1 ms as one statement
        (docs/benchmarks.md)."""
        ids = list(case_ids)
        if len(ids) > 1 and self.session.get_bind().dialect.name == "postgresql":
            self._insert_case_reads(action, ids)
        else:
            self.record_many(action, "case", (Entry(case_id, case_id=case_id) for case_id in ids))

    def _insert_case_reads(self, action: str, case_ids: list[int]) -> None:
        row = self._row(
            action=action,
            resource_type="case",
            resource_id=None,
            case_id=None,
            outcome=Outcome.SUCCESS,
            purpose=None,
            detail=None,
            actor=None,
            actor_sub=None,
        )
        params = {f"v_{name}": row[name] for name in _SHARED_COLUMNS}
        ids = "{" + ",".join(str(int(case_id)) for case_id in case_ids) + "}"
        self.session.execute(_CASE_READS, {**params, "case_ids": ids})

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(_INSERT, rows)

    def record_refusal(
        self,
        action: str,
        resource_type: str,
        resource_id: str | int | None = None,
        *,
        case_id: int | None = None,
        outcome: Outcome = Outcome.DENIED,
        detail: dict[str, Any] | None = None,
        actor_sub: str | None = None,
    ) -> None:
        """Record a refusal or failure in a transaction of its own: it must outlive the rollback."""
        row = self._row(
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            case_id=case_id,
            outcome=outcome,
            purpose=None,
            detail=detail,
            actor=None,
            actor_sub=actor_sub,
        )

        def write(own: Session) -> None:
            own.execute(insert(AUDIT_TABLE), [row])

        write_independently(self.session, write)
