"""Request and response bodies of the master data: departments, fields, areas, towns, org units,
agencies, issue categories, support functions and code lists."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from api.schemas.base import ApiModel, InputModel
from api.schemas.base import Code as BaseCode

Code = Annotated[
    BaseCode, Field(description="Stable lowercase code (`^[a-z0-9_]+$`, up to 60 characters).")
]
RefCode = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
LongName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Kana = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongKana = Annotated[str, StringConstraints(min_length=1, max_length=300)]
SortOrder = Annotated[int, Field(ge=0, le=1_000_000)]
OrgKind = Literal["unit", "agency", "partner"]
ORG_KIND_DESCRIPTION = (
    "`unit`: a city or 社協 org unit; `agency`: a partner agency (支援関係機関); `partner`: a "
    "partner business of 参加支援 (協力事業所: an employer, shop, farm or café hosting a person), "
    "which has no accounts, takes no referrals and is named on 参加支援 plan items."
)

CODE_LISTS = ("intake_route", "contact_means")


def no_control_chars(value: Any) -> Any:
    """Refuse control characters in free text (they break exports and logs)."""
    if isinstance(value, str) and (
        any(ord(ch) < 32 and ch not in "\n\t\r" for ch in value) or "\x7f" in value
    ):
        raise ValueError("制御文字は使用できません。")
    return value


def _drop_null(schema: dict[str, Any]) -> None:
    """The contract of a PATCH field: optional, but never null (``not_null`` enforces it)."""
    any_of = schema.get("anyOf")
    if isinstance(any_of, list):
        rest = [branch for branch in any_of if branch != {"type": "null"}]
        if len(rest) == 1:
            del schema["anyOf"]
            schema.update(rest[0])
    if "default" in schema and schema["default"] is None:
        del schema["default"]


def patch_field(**kwargs: Any) -> Any:
    """A PATCH body field that may be left out but not set to null (pair it with ``not_null``)."""
    return Field(default=None, json_schema_extra=_drop_null, **kwargs)


def not_null(value: Any) -> Any:
    """PATCH bodies: a field may be left out, but not set to null."""
    if value is None:
        raise ValueError("null は指定できません。変更しない項目は省略してください。")
    return value


# ---- responses ----


class DepartmentOut(ApiModel):
    code: str
    name: str
    name_en: str
    sort_order: int


class AgencyFieldOut(ApiModel):
    code: str
    name: str
    name_en: str
    sort_order: int


class AreaOut(ApiModel):
    code: str
    name: str
    name_en: str


class SupportFunctionOut(ApiModel):
    code: str
    article_item: str = Field(description="社会福祉法第106条の4第2項の号 (e.g. 第1号).")
    name: str
    name_en: str
    lead_units: list[str] = Field(description="Codes of the org units that lead this function.")


class CodeLabelOut(ApiModel):
    code: str
    name: str
    name_en: str
    sort_order: int


class TownOut(ApiModel):
    code: str
    name: str
    kana: str
    area: str = Field(description="日常生活圏域 (area) code.")
    active: bool


class OrganizationOut(ApiModel):
    code: str
    kind: OrgKind = Field(description=ORG_KIND_DESCRIPTION, examples=["agency"])
    name: str
    kana: str
    department: str
    department_name: str
    field: str | None = Field(description="Agency field code (agencies only).")
    active: bool


class IssueCategoryOut(ApiModel):
    code: str
    name: str
    name_en: str
    national: bool = Field(description="An item of the national 生活困窮者自立支援 statistics.")
    sort_order: int
    active: bool


# ---- requests ----


class TownCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"code": "shin_honcho", "name": "新本町", "kana": "しんほんちょう", "area": "east"}
            ]
        }
    )

    code: Code
    name: Name
    kana: Kana
    area: RefCode = Field(description="Area code (see listAreas).")

    _text = field_validator("name", "kana")(no_control_chars)


class TownUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"area": "west"}, {"active": False}]})

    name: Name | None = patch_field()
    kana: Kana | None = patch_field()
    area: RefCode | None = patch_field()
    active: bool | None = patch_field()

    _nulls = field_validator("name", "kana", "area", "active")(not_null)
    _text = field_validator("name", "kana")(no_control_chars)


class OrganizationCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "hokatsu_7",
                    "kind": "agency",
                    "name": "国分寺市地域包括支援センター第7",
                    "kana": "こくぶんじしちいきほうかつしえんせんたーだいなな",
                    "field": "elderly",
                },
                {
                    "code": "kokuho_nenkin",
                    "kind": "unit",
                    "name": "保険年金課",
                    "kana": "ほけんねんきんか",
                    "department": "health",
                },
                {
                    "code": "bakery_honcho",
                    "kind": "partner",
                    "name": "ベーカリー本町",
                    "kana": "べーかりーほんちょう",
                },
            ]
        }
    )

    code: Code
    kind: OrgKind = Field(description=ORG_KIND_DESCRIPTION)
    name: LongName
    kana: LongKana
    department: RefCode | None = Field(
        default=None,
        description="Department code; required for units. Agencies belong to `agency` and "
        "partner businesses to `partner`: leave it out for them.",
    )
    field: RefCode | None = Field(
        default=None,
        description="Agency field code; required for agencies, not allowed for units and "
        "partner businesses.",
    )

    _text = field_validator("name", "kana")(no_control_chars)


class OrganizationUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "高齢福祉課", "active": True}, {"field": "other"}]}
    )

    name: LongName | None = patch_field()
    kana: LongKana | None = patch_field()
    field: RefCode | None = patch_field(description="Agency field code (agencies only).")
    active: bool | None = patch_field()

    _nulls = field_validator("name", "kana", "field", "active")(not_null)
    _text = field_validator("name", "kana")(no_control_chars)


class IssueCategoryCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "gambling",
                    "name": "ギャンブル依存",
                    "nameEn": "Gambling addiction",
                    "sortOrder": 110,
                }
            ]
        }
    )

    code: Code
    name: Name
    name_en: Name
    national: bool = Field(
        default=False, description="An item of the national statistics (usually false)."
    )
    sort_order: SortOrder | None = Field(
        default=None, description="Defaults to after the last one."
    )

    _text = field_validator("name", "name_en")(no_control_chars)


class IssueCategoryUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"nameEn": "Gambling", "sortOrder": 111}, {"active": False}]
        }
    )

    name: Name | None = patch_field()
    name_en: Name | None = patch_field()
    sort_order: SortOrder | None = patch_field()
    active: bool | None = patch_field()

    _nulls = field_validator("name", "name_en", "sort_order", "active")(not_null)
    _text = field_validator("name", "name_en")(no_control_chars)
