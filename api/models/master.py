"""Master data: departments, org units and agencies, towns and areas, categories, functions."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base


class Department(Base):
    """The 4部, 社協, and the pseudo-departments for agencies, other city units and IT."""

    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class AgencyField(Base):
    """The field of a partner agency (保健医療, 生活困窮, 障害福祉, 高齢福祉, 児童福祉, その他)."""

    __tablename__ = "agency_fields"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Area(Base):
    """日常生活圏域: 東部 / 西部, each with its coordinators."""

    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class Town(Base):
    __tablename__ = "towns"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kana: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Organization(Base):
    """An org unit of the city or 社協 (kind ``unit``), a partner agency (kind ``agency``), or a
    partner business of 参加支援 (kind ``partner``, 協力事業所: no accounts, no case access)."""

    __tablename__ = "organizations"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kana: Mapped[str] = mapped_column(String(300))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    field_code: Mapped[str | None] = mapped_column(ForeignKey("agency_fields.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class IssueCategory(Base):
    __tablename__ = "issue_categories"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str] = mapped_column(String(100))
    national: Mapped[bool] = mapped_column(Boolean)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SupportFunction(Base):
    """The six functions of Social Welfare Act Art. 106-4 §2."""

    __tablename__ = "support_functions"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    article_item: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    lead_units: Mapped[list[str]] = mapped_column(default=list)


class CodeLabel(Base):
    """Small code lists the forms use: intake routes (相談経路) and contact means (支援経過の手段)."""

    __tablename__ = "code_labels"
    list_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
