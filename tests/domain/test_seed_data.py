"""Consistency checks for Kokubunji's seed data (api/seed/kokubunji.py)."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

import pytest

from api.seed import kokubunji as seed

# Hiragana, plus the prolonged-sound mark ー used in readings of loanwords (せんたー).
HIRAGANA = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30fc]+$")
CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


class Coded(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


class Kana(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def kana(self) -> str: ...


TABLES: dict[str, tuple[Coded, ...]] = {
    "DEPARTMENTS": seed.DEPARTMENTS,
    "AGENCY_FIELDS": seed.AGENCY_FIELDS,
    "AREAS": seed.AREAS,
    "TOWNS": seed.TOWNS,
    "ORG_UNITS": seed.ORG_UNITS,
    "AGENCIES": seed.AGENCIES,
    "ISSUE_CATEGORIES": seed.ISSUE_CATEGORIES,
    "SUPPORT_FUNCTIONS": seed.SUPPORT_FUNCTIONS,
    "INTAKE_ROUTES": seed.INTAKE_ROUTES,
    "CONTACT_MEANS": seed.CONTACT_MEANS,
}

KANA_TABLES: dict[str, tuple[Kana, ...]] = {
    "TOWNS": seed.TOWNS,
    "ORG_UNITS": seed.ORG_UNITS,
    "AGENCIES": seed.AGENCIES,
}

EAST_TOWNS = (
    "東元町", "西元町", "南町", "泉町", "西恋ヶ窪",
    "東戸倉", "本町", "本多", "東恋ヶ窪",
)  # fmt: skip
WEST_TOWNS = (
    "戸倉", "日吉町", "内藤", "光町", "高木町",
    "西町", "富士本", "新町", "並木町", "北町",
)  # fmt: skip

REQUIRED_UNITS = {
    "kyosei": "health",
    "kenko_suishin": "health",
    "koreifukushi": "welfare",
    "shogaifukushi": "welfare",
    "seikatsufukushi": "welfare",
    "kosodate_sodan": "children_family",
    "hoiku_yochien": "children_family",
    "kodomo_katei_center": "children_family",
    "nozei": "other",
    "shakyo_east": "shakyo",
    "shakyo_west": "shakyo",
    "it_admin": "system",
}


def _codes(rows: Iterable[Coded]) -> list[str]:
    return [row.code for row in rows]


def _duplicates(values: Iterable[str]) -> list[str]:
    return [value for value, n in Counter(values).items() if n > 1]


@pytest.mark.parametrize("table", sorted(TABLES))
def test_codes_are_unique_snake_case_identifiers(table: str) -> None:
    codes = _codes(TABLES[table])
    assert codes, f"{table} is empty"
    assert _duplicates(codes) == [], f"duplicate codes in {table}"
    bad = [code for code in codes if not CODE.fullmatch(code)]
    assert bad == [], f"{table}: codes not lowercase ASCII snake_case: {bad}"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_rows_are_frozen_dataclasses(table: str) -> None:
    rows = TABLES[table]
    assert isinstance(rows, tuple)
    for row in rows:
        assert dataclasses.is_dataclass(row)
        with pytest.raises(dataclasses.FrozenInstanceError):
            row.code = "changed"


def test_names_are_unique_per_table() -> None:
    for table, rows in TABLES.items():
        names = [row.name for row in rows]
        assert _duplicates(names) == [], f"duplicate names in {table}"


def test_departments_exact_codes() -> None:
    assert _codes(seed.DEPARTMENTS) == [
        "health",
        "welfare",
        "children_family",
        "education",
        "shakyo",
        "other",
        "system",
        "agency",
        "partner",
    ]
    names = {d.code: d.name for d in seed.DEPARTMENTS}
    assert names["health"] == "健康部"
    assert names["welfare"] == "福祉部"
    assert names["children_family"] == "子ども家庭部"
    assert names["education"] == "教育部"
    assert names["shakyo"] == "国分寺市社会福祉協議会"
    orders = [d.sort_order for d in seed.DEPARTMENTS]
    assert orders == sorted(set(orders))


def test_agency_fields_exact_codes_and_order() -> None:
    fields = sorted(seed.AGENCY_FIELDS, key=lambda f: f.sort_order)
    assert [(f.code, f.name) for f in fields] == [
        ("health_medical", "保健医療"),
        ("poverty", "生活困窮"),
        ("disability", "障害福祉"),
        ("elderly", "高齢福祉"),
        ("child", "児童福祉"),
        ("other", "その他"),
    ]
    assert list(fields) == list(seed.AGENCY_FIELDS)


def test_areas() -> None:
    assert [(a.code, a.name) for a in seed.AREAS] == [
        ("east", "東部"),
        ("west", "西部"),
    ]


def test_towns_per_area() -> None:
    assert len(seed.TOWNS) == 19
    east = [t.name for t in seed.TOWNS if t.area == "east"]
    west = [t.name for t in seed.TOWNS if t.area == "west"]
    assert len(east) == 9
    assert len(west) == 10
    assert set(east) == set(EAST_TOWNS)
    assert set(west) == set(WEST_TOWNS)


def test_town_readings_and_codes() -> None:
    towns = {t.name: t for t in seed.TOWNS}
    assert towns["東恋ヶ窪"].kana == "ひがしこいがくぼ"
    assert towns["東恋ヶ窪"].code == "higashi_koigakubo"
    assert towns["本多"].kana == "ほんだ"
    assert towns["富士本"].kana == "ふじもと"
    assert towns["光町"].kana == "ひかりちょう"
    assert towns["本町"].kana == "ほんちょう"
    assert towns["新町"].kana == "しんまち"
    assert towns["戸倉"].kana == "とくら"


def test_foreign_codes_resolve() -> None:
    areas = set(_codes(seed.AREAS))
    departments = set(_codes(seed.DEPARTMENTS))
    fields = set(_codes(seed.AGENCY_FIELDS))
    units = set(_codes(seed.ORG_UNITS))
    assert [t.code for t in seed.TOWNS if t.area not in areas] == []
    assert [u.code for u in seed.ORG_UNITS if u.department not in departments] == []
    assert [a.code for a in seed.AGENCIES if a.field not in fields] == []
    for function in seed.SUPPORT_FUNCTIONS:
        assert function.lead_units, function.code
        assert [u for u in function.lead_units if u not in units] == [], function.code
        assert _duplicates(function.lead_units) == [], function.code


def test_required_org_units_exist_in_their_departments() -> None:
    units = {u.code: u for u in seed.ORG_UNITS}
    missing = sorted(set(REQUIRED_UNITS) - set(units))
    assert missing == []
    for code, department in REQUIRED_UNITS.items():
        assert units[code].department == department, code
    assert units["kyosei"].name == "地域共生推進課"
    assert units["nozei"].name == "納税課"
    assert units["kodomo_katei_center"].name == "子ども家庭支援センター"


def test_every_four_department_has_units() -> None:
    used = {u.department for u in seed.ORG_UNITS}
    for department in ("health", "welfare", "children_family", "education", "shakyo"):
        assert department in used, department


def test_kodomo_katei_center_is_a_unit_not_an_agency() -> None:
    assert "子ども家庭支援センター" not in {a.name for a in seed.AGENCIES}


def test_every_agency_field_has_an_agency() -> None:
    used = Counter(a.field for a in seed.AGENCIES)
    assert [f.code for f in seed.AGENCY_FIELDS if used[f.code] == 0] == []


def test_six_hokatsu_centres() -> None:
    hokatsu = [a for a in seed.AGENCIES if "地域包括支援センター" in a.name]
    assert sorted(a.code for a in hokatsu) == [f"hokatsu_{n}" for n in range(1, 7)]
    assert all(a.field == "elderly" for a in hokatsu)


def test_required_agencies() -> None:
    agencies = {a.code: a for a in seed.AGENCIES}
    assert agencies["kikan_sodan"].field == "disability"
    assert agencies["kosodate_sedai_center"].field == "child"
    assert agencies["jiritsu_support"].field == "poverty"


@pytest.mark.parametrize("table", sorted(KANA_TABLES))
def test_kana_is_hiragana_only(table: str) -> None:
    bad = [(row.code, row.kana) for row in KANA_TABLES[table] if not HIRAGANA.fullmatch(row.kana)]
    assert bad == []


def test_hiragana_pattern_rejects_non_hiragana() -> None:
    for text in ("カタカナ", "漢字", "romaji", "ひら がな", "", "（とうぶ）"):
        assert not HIRAGANA.fullmatch(text), text
    assert HIRAGANA.fullmatch("こどもかていしえんせんたー")


def test_issue_categories() -> None:
    categories = {c.code: c for c in seed.ISSUE_CATEGORIES}
    project = {c.code: c.name for c in seed.ISSUE_CATEGORIES if not c.national}
    assert project == {
        "c8050": "8050",
        "young_carer": "ヤングケアラー",
        "double_care": "ダブルケア",
        "hoarding": "ごみ屋敷",
        "lack_of_insight": "病識欠如",
        "noise_trouble": "騒音トラブル",
    }
    national_names = {c.name for c in seed.ISSUE_CATEGORIES if c.national}
    required = {
        "病気", "けが", "障害（手帳有）", "障害（疑い）", "自死企図",
        "メンタルヘルス", "住まい不安定", "ホームレス", "経済的困窮", "債務",
        "家計管理の課題", "就職活動困難", "就職定着困難", "生活習慣の乱れ",
        "社会的孤立（ニート・ひきこもりなど）", "家族関係・家族の問題",
        "不登校", "非行", "中卒・高校中退", "DV・虐待", "子育て", "介護",
        "ひとり親", "外国籍・日本語", "刑余者", "コミュニケーションが苦手",
        "本人の能力の制約", "多重・複合の課題", "その他",
    }  # fmt: skip
    assert sorted(required - national_names) == []
    for code in (
        "illness",
        "mental_health",
        "economic_hardship",
        "debt",
        "social_isolation",
        "truancy",
        "abuse_dv",
        "child_rearing",
        "nursing_care",
        "single_parent",
        "foreign_language",
    ):
        assert categories[code].national, code
    orders = [c.sort_order for c in seed.ISSUE_CATEGORIES]
    assert _duplicates(str(o) for o in orders) == []


def test_six_support_functions() -> None:
    functions = seed.SUPPORT_FUNCTIONS
    assert [(f.code, f.article_item) for f in functions] == [
        ("consultation", "第1号"),
        ("participation", "第2号"),
        ("community", "第3号"),
        ("outreach", "第4号"),
        ("multi_agency", "第5号"),
        ("plan", "第6号"),
    ]
    leads = {f.code: set(f.lead_units) for f in functions}
    assert leads == {
        "consultation": {
            "koreifukushi",
            "shogaifukushi",
            "kosodate_sodan",
            "kenko_suishin",
            "hoiku_yochien",
            "seikatsufukushi",
        },
        "participation": {"kyosei"},
        "community": {"koreifukushi", "shogaifukushi", "kosodate_sodan"},
        "outreach": {"kyosei"},
        "multi_agency": {"kyosei", "shakyo_east", "shakyo_west"},
        "plan": {"shakyo_east", "shakyo_west"},
    }


def test_intake_routes_and_contact_means() -> None:
    assert _codes(seed.INTAKE_ROUTES) == [
        "window",
        "phone",
        "visit",
        "agency",
        "resident",
        "commissioner",
        "family",
        "city_unit",
        "other",
    ]
    assert _codes(seed.CONTACT_MEANS) == [
        "visit",
        "office",
        "phone",
        "email",
        "letter",
        "meeting",
        "accompany",
        "other",
    ]
