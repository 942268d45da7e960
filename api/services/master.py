"""Master data use cases: read for every principal with ``master:read``, change for admins.

Codes are permanent (other tables refer to them); names are unique where the table says so.
Every change is audited as ``master.create`` / ``master.update`` with the resource and code.
"""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import AppError, FieldError, forbidden, not_found
from api.models import (
    AgencyField,
    Area,
    CodeLabel,
    Department,
    IssueCategory,
    Organization,
    SupportFunction,
    Town,
)
from api.schemas import master as s
from api.services.context import Context
from domain.access import Dept, can_administer
from domain.organizations import PARTNER_DEPARTMENT, OrgKind

# ---------------------------------------------------------------- guards and checks


def require_admin(
    ctx: Context, action: str, resource_type: str, resource_id: str | None = None
) -> None:
    """Defence in depth behind the ``admin`` scope: only the admin role changes master data."""
    if not can_administer(ctx.principal):
        ctx.audit.record_refusal(action, resource_type, resource_id)
        raise forbidden("管理者だけが変更できます。", "Only administrators may change this.")


def unknown_code(field: str, code: str) -> AppError:
    return AppError(
        "validation-error",
        "存在しないコードが指定されています。",
        f"Unknown code in {field}.",
        errors=[
            FieldError(field=field, message=f"存在しないコードです: {code}", code="unknown_code")
        ],
    )


def invalid_field(field: str, message_ja: str, message_en: str, code: str) -> AppError:
    return AppError(
        "validation-error",
        message_ja,
        message_en,
        errors=[FieldError(field=field, message=message_ja, code=code)],
    )


def duplicate(what_ja: str, what_en: str, value: str) -> AppError:
    return AppError(
        "conflict",
        f"{what_ja}「{value}」は既に登録されています。",
        f"The {what_en} {value!r} already exists.",
    )


def flush_or_conflict(session: Session, what_ja: str, what_en: str, value: str) -> None:
    """Flush; a unique constraint hit by a concurrent request is a 409 like the checked case."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise duplicate(what_ja, what_en, value) from exc


def _name_taken(
    session: Session, column: Any, key_column: Any, name: str, own_key: str | None
) -> bool:
    stmt = select(key_column).where(column == name)
    if own_key is not None:
        stmt = stmt.where(key_column != own_key)
    return session.scalar(stmt.limit(1)) is not None


def _changes(data: Any) -> dict[str, Any]:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    return changes


# ---------------------------------------------------------------- simple lists


def list_departments(ctx: Context) -> list[s.DepartmentOut]:
    rows = ctx.session.scalars(select(Department).order_by(Department.sort_order, Department.code))
    return [s.DepartmentOut.model_validate(r) for r in rows]


def list_agency_fields(ctx: Context) -> list[s.AgencyFieldOut]:
    rows = ctx.session.scalars(
        select(AgencyField).order_by(AgencyField.sort_order, AgencyField.code)
    )
    return [s.AgencyFieldOut.model_validate(r) for r in rows]


def list_areas(ctx: Context) -> list[s.AreaOut]:
    rows = ctx.session.scalars(select(Area).order_by(Area.code))
    return [s.AreaOut.model_validate(r) for r in rows]


def list_support_functions(ctx: Context) -> list[s.SupportFunctionOut]:
    rows = ctx.session.scalars(
        select(SupportFunction).order_by(SupportFunction.article_item, SupportFunction.code)
    )
    return [s.SupportFunctionOut.model_validate(r) for r in rows]


def list_code_labels(ctx: Context, list_name: str) -> list[s.CodeLabelOut]:
    if list_name not in s.CODE_LISTS:
        raise not_found("コード一覧", "code list")
    rows = ctx.session.scalars(
        select(CodeLabel)
        .where(CodeLabel.list_name == list_name)
        .order_by(CodeLabel.sort_order, CodeLabel.code)
    )
    return [s.CodeLabelOut.model_validate(r) for r in rows]


# ---------------------------------------------------------------- towns


def _town_out(t: Town) -> s.TownOut:
    return s.TownOut(code=t.code, name=t.name, kana=t.kana, area=t.area_code, active=t.active)


def _check_area(session: Session, code: str) -> None:
    if session.get(Area, code) is None:
        raise unknown_code("area", code)


def list_towns(ctx: Context, area: str | None, active: bool | None) -> list[s.TownOut]:
    stmt = select(Town).order_by(Town.code)
    if area is not None:
        stmt = stmt.where(Town.area_code == area)
    if active is not None:
        stmt = stmt.where(Town.active.is_(active))
    return [_town_out(t) for t in ctx.session.scalars(stmt)]


def create_town(ctx: Context, data: s.TownCreate) -> s.TownOut:
    require_admin(ctx, "master.create", "town", data.code)
    if ctx.session.get(Town, data.code) is not None:
        raise duplicate("町コード", "town code", data.code)
    if _name_taken(ctx.session, Town.name, Town.code, data.name, None):
        raise duplicate("町名", "town name", data.name)
    _check_area(ctx.session, data.area)
    town = Town(code=data.code, name=data.name, kana=data.kana, area_code=data.area, active=True)
    ctx.session.add(town)
    flush_or_conflict(ctx.session, "町", "town", data.code)
    ctx.audit.record("master.create", "town", town.code)
    return _town_out(town)


def update_town(ctx: Context, code: str, data: s.TownUpdate) -> s.TownOut:
    require_admin(ctx, "master.update", "town", code)
    town = ctx.session.get(Town, code)
    if town is None:
        raise not_found("町", "town")
    changes = _changes(data)
    if "name" in changes and _name_taken(ctx.session, Town.name, Town.code, changes["name"], code):
        raise duplicate("町名", "town name", changes["name"])
    if "area" in changes:
        _check_area(ctx.session, changes["area"])
    columns = {"name": "name", "kana": "kana", "area": "area_code", "active": "active"}
    for field, column in columns.items():
        if field in changes:
            setattr(town, column, changes[field])
    flush_or_conflict(ctx.session, "町名", "town name", town.name)
    ctx.audit.record("master.update", "town", code, detail={"fields": sorted(changes)})
    return _town_out(town)


# ---------------------------------------------------------------- organizations


def _org_select() -> Select[Organization, str]:
    return select(Organization, Department.name).join(
        Department, Department.code == Organization.department_code
    )


_KINDS: dict[str, s.OrgKind] = {"unit": "unit", "agency": "agency", "partner": "partner"}


def _org_out(org: Organization, department_name: str) -> s.OrganizationOut:
    return s.OrganizationOut(
        code=org.code,
        kind=_KINDS.get(org.kind, "unit"),
        name=org.name,
        kana=org.kana,
        department=org.department_code,
        department_name=department_name,
        field=org.field_code,
        active=org.active,
    )


def _get_org_out(session: Session, code: str) -> s.OrganizationOut:
    row = session.execute(_org_select().where(Organization.code == code)).one_or_none()
    if row is None:
        raise not_found("組織", "organization")
    return _org_out(*row)


def list_organizations(
    ctx: Context,
    *,
    kind: str | None,
    department: str | None,
    field: str | None,
    active: bool | None,
) -> list[s.OrganizationOut]:
    stmt = (
        _org_select()
        .outerjoin(AgencyField, AgencyField.code == Organization.field_code)
        .order_by(Department.sort_order, AgencyField.sort_order, Organization.code)
    )
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    if department is not None:
        stmt = stmt.where(Organization.department_code == department)
    if field is not None:
        stmt = stmt.where(Organization.field_code == field)
    if active is not None:
        stmt = stmt.where(Organization.active.is_(active))
    return [_org_out(org, name) for org, name in ctx.session.execute(stmt)]


def get_organization(ctx: Context, code: str) -> s.OrganizationOut:
    return _get_org_out(ctx.session, code)


def _check_field(session: Session, code: str) -> None:
    if session.get(AgencyField, code) is None:
        raise unknown_code("field", code)


def create_organization(ctx: Context, data: s.OrganizationCreate) -> s.OrganizationOut:
    require_admin(ctx, "master.create", "organization", data.code)
    if data.kind == "agency":
        if data.department not in (None, Dept.AGENCY.value):
            raise invalid_field(
                "department",
                "支援関係機関の部は agency です。省略してください。",
                "Agencies belong to the department 'agency'; leave department out.",
                "agency_department",
            )
        if data.field is None:
            raise invalid_field(
                "field",
                "支援関係機関には分野（field）が必要です。",
                "Agencies need a field.",
                "field_required",
            )
        department = Dept.AGENCY.value
    elif data.kind == OrgKind.PARTNER.value:
        if data.department not in (None, PARTNER_DEPARTMENT):
            raise invalid_field(
                "department",
                "協力事業所の部は partner です。省略してください。",
                "Partner businesses belong to the department 'partner'; leave department out.",
                "partner_department",
            )
        if data.field is not None:
            raise invalid_field(
                "field",
                "分野（field）は支援関係機関だけに指定します。協力事業所には指定できません。",
                "Only agencies have a field; a partner business has none.",
                "field_not_allowed",
            )
        department = PARTNER_DEPARTMENT
    else:
        if data.field is not None:
            raise invalid_field(
                "field",
                "分野（field）は支援関係機関だけに指定します。",
                "Only agencies have a field.",
                "field_not_allowed",
            )
        if data.department is None:
            raise invalid_field(
                "department",
                "所属する部を指定してください。",
                "Units need a department.",
                "missing",
            )
        if data.department == Dept.AGENCY.value:
            raise invalid_field(
                "department",
                "部 agency は支援関係機関専用です。kind を agency にしてください。",
                "The department 'agency' is for agencies; use kind 'agency'.",
                "agency_department",
            )
        if data.department == PARTNER_DEPARTMENT:
            raise invalid_field(
                "department",
                "部 partner は協力事業所専用です。kind を partner にしてください。",
                "The department 'partner' is for partner businesses; use kind 'partner'.",
                "partner_department",
            )
        department = data.department
    if ctx.session.get(Organization, data.code) is not None:
        raise duplicate("組織コード", "organization code", data.code)
    if _name_taken(ctx.session, Organization.name, Organization.code, data.name, None):
        raise duplicate("組織名", "organization name", data.name)
    if ctx.session.get(Department, department) is None:
        raise unknown_code("department", department)
    if data.field is not None:
        _check_field(ctx.session, data.field)
    org = Organization(
        code=data.code,
        kind=data.kind,
        name=data.name,
        kana=data.kana,
        department_code=department,
        field_code=data.field,
        active=True,
    )
    ctx.session.add(org)
    flush_or_conflict(ctx.session, "組織", "organization", data.code)
    ctx.audit.record("master.create", "organization", org.code, detail={"kind": data.kind})
    return _get_org_out(ctx.session, org.code)


def update_organization(ctx: Context, code: str, data: s.OrganizationUpdate) -> s.OrganizationOut:
    require_admin(ctx, "master.update", "organization", code)
    org = ctx.session.get(Organization, code)
    if org is None:
        raise not_found("組織", "organization")
    changes = _changes(data)
    if "field" in changes:
        if org.kind != "agency":
            raise invalid_field(
                "field",
                "分野（field）は支援関係機関だけに指定します。",
                "Only agencies have a field.",
                "field_not_allowed",
            )
        _check_field(ctx.session, changes["field"])
    if "name" in changes and _name_taken(
        ctx.session, Organization.name, Organization.code, changes["name"], code
    ):
        raise duplicate("組織名", "organization name", changes["name"])
    columns = {"name": "name", "kana": "kana", "field": "field_code", "active": "active"}
    for field, column in columns.items():
        if field in changes:
            setattr(org, column, changes[field])
    flush_or_conflict(ctx.session, "組織名", "organization name", org.name)
    ctx.audit.record("master.update", "organization", code, detail={"fields": sorted(changes)})
    return _get_org_out(ctx.session, code)


# ---------------------------------------------------------------- issue categories


def list_issue_categories(ctx: Context, active: bool | None) -> list[s.IssueCategoryOut]:
    stmt = select(IssueCategory).order_by(IssueCategory.sort_order, IssueCategory.code)
    if active is not None:
        stmt = stmt.where(IssueCategory.active.is_(active))
    return [s.IssueCategoryOut.model_validate(c) for c in ctx.session.scalars(stmt)]


def create_issue_category(ctx: Context, data: s.IssueCategoryCreate) -> s.IssueCategoryOut:
    require_admin(ctx, "master.create", "issue_category", data.code)
    if ctx.session.get(IssueCategory, data.code) is not None:
        raise duplicate("課題分類コード", "issue category code", data.code)
    if _name_taken(ctx.session, IssueCategory.name, IssueCategory.code, data.name, None):
        raise duplicate("課題分類名", "issue category name", data.name)
    sort_order = data.sort_order
    if sort_order is None:
        last = ctx.session.scalar(
            select(IssueCategory.sort_order).order_by(IssueCategory.sort_order.desc()).limit(1)
        )
        sort_order = (last or 0) + 1
    category = IssueCategory(
        code=data.code,
        name=data.name,
        name_en=data.name_en,
        national=data.national,
        sort_order=sort_order,
        active=True,
    )
    ctx.session.add(category)
    flush_or_conflict(ctx.session, "課題分類", "issue category", data.code)
    ctx.audit.record("master.create", "issue_category", category.code)
    return s.IssueCategoryOut.model_validate(category)


def update_issue_category(
    ctx: Context, code: str, data: s.IssueCategoryUpdate
) -> s.IssueCategoryOut:
    require_admin(ctx, "master.update", "issue_category", code)
    category = ctx.session.get(IssueCategory, code)
    if category is None:
        raise not_found("課題分類", "issue category")
    changes = _changes(data)
    if "name" in changes and _name_taken(
        ctx.session, IssueCategory.name, IssueCategory.code, changes["name"], code
    ):
        raise duplicate("課題分類名", "issue category name", changes["name"])
    for field in ("name", "name_en", "sort_order", "active"):
        if field in changes:
            setattr(category, field, changes[field])
    flush_or_conflict(ctx.session, "課題分類名", "issue category name", category.name)
    ctx.audit.record("master.update", "issue_category", code, detail={"fields": sorted(changes)})
    return s.IssueCategoryOut.model_validate(category)
