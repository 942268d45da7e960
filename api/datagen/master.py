"""The master data the generator draws from, read back from the seeded database, and which
units and agencies typically work on which issue."""

from dataclasses import dataclass, field

from api.datagen.loader import BulkLoader

# Units (org codes of the seed) that typically take part for a household issue category.
CATEGORY_UNITS: dict[str, tuple[str, ...]] = {
    "c8050": ("koreifukushi", "wakamono_shien", "chiiki_hokatsu_care"),
    "nursing_care": ("koreifukushi", "chiiki_hokatsu_care"),
    "double_care": ("koreifukushi", "kosodate_sodan"),
    "young_carer": ("kodomo_katei_center", "gakko_shido", "kyoiku_sodan"),
    "truancy": ("kyoiku_sodan", "gakko_shido", "kodomo_katei_center"),
    "school_dropout": ("wakamono_shien", "kyoiku_sodan"),
    "delinquency": ("kodomo_katei_center", "gakko_shido"),
    "child_rearing": ("kosodate_sodan", "kenko_suishin", "hoiku_yochien"),
    "single_parent": ("kosodate_sodan", "seikatsufukushi"),
    "abuse_dv": ("kodomo_katei_center", "kosodate_sodan"),
    "economic_hardship": ("seikatsufukushi",),
    "debt": ("seikatsufukushi",),
    "household_budget": ("seikatsufukushi",),
    "job_search_difficulty": ("seikatsufukushi", "wakamono_shien"),
    "job_retention_difficulty": ("seikatsufukushi",),
    "unstable_housing": ("seikatsufukushi",),
    "homelessness": ("seikatsufukushi",),
    "social_isolation": ("wakamono_shien", "kyosei"),
    "mental_health": ("kenko_suishin", "shogaifukushi"),
    "suicidal_intent": ("kenko_suishin",),
    "illness": ("kenko_suishin",),
    "lack_of_insight": ("kenko_suishin", "kyosei"),
    "disability_certified": ("shogaifukushi",),
    "disability_suspected": ("shogaifukushi",),
    "hoarding": ("kyosei", "koreifukushi"),
    "noise_trouble": ("kyosei",),
}
DEFAULT_UNITS = ("kyosei",)

# Agency fields (agency_fields.code) that typically take part for a category.
CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {
    "c8050": ("elderly", "poverty"),
    "nursing_care": ("elderly", "health_medical"),
    "double_care": ("elderly", "child"),
    "young_carer": ("child",),
    "truancy": ("child",),
    "child_rearing": ("child",),
    "abuse_dv": ("child",),
    "single_parent": ("child", "poverty"),
    "economic_hardship": ("poverty",),
    "debt": ("poverty", "other"),
    "household_budget": ("poverty",),
    "job_search_difficulty": ("poverty", "disability"),
    "unstable_housing": ("poverty",),
    "homelessness": ("poverty",),
    "social_isolation": ("poverty", "other"),
    "mental_health": ("health_medical", "disability"),
    "illness": ("health_medical",),
    "lack_of_insight": ("health_medical",),
    "disability_certified": ("disability",),
    "disability_suspected": ("disability",),
    "hoarding": ("elderly", "other"),
    "noise_trouble": ("other",),
}
DEFAULT_FIELDS = ("other",)

# How often a category is a household's primary issue (others: 1).
CATEGORY_WEIGHTS: dict[str, float] = {
    "economic_hardship": 12,
    "nursing_care": 10,
    "c8050": 8,
    "mental_health": 8,
    "social_isolation": 6,
    "child_rearing": 6,
    "family_relations": 5,
    "illness": 5,
    "truancy": 5,
    "young_carer": 4,
    "hoarding": 4,
    "debt": 4,
    "disability_certified": 4,
    "double_care": 3,
    "noise_trouble": 3,
    "lack_of_insight": 3,
    "disability_suspected": 3,
    "single_parent": 3,
    "unstable_housing": 3,
    "abuse_dv": 2,
}

INTAKE_ROUTE_WEIGHTS: dict[str, float] = {
    "window": 20,
    "phone": 25,
    "visit": 5,
    "agency": 20,
    "resident": 6,
    "commissioner": 10,
    "family": 9,
    "city_unit": 4,
    "other": 1,
}

CONTACT_MEANS_WEIGHTS: dict[str, float] = {
    "visit": 25,
    "office": 15,
    "phone": 30,
    "email": 5,
    "letter": 4,
    "meeting": 10,
    "accompany": 7,
    "other": 4,
}

# Org departments whose units staff city users (domain.access.CITY_DEPTS) and the 社協.
CITY_DEPTS = ("health", "welfare", "children_family", "education")


@dataclass
class TownRow:
    code: str
    name: str
    kana: str
    area: str


@dataclass
class Org:
    code: str
    kind: str
    name: str
    department: str
    field: str | None


@dataclass
class Master:
    towns: list[TownRow]
    areas: list[str]
    orgs: dict[str, Org]
    categories: list[str]
    functions: list[str]
    intake_routes: list[str]
    contact_means: list[str]
    schedules: dict[str, tuple[int, int, object, object, str]] = field(default_factory=dict)

    @property
    def units(self) -> list[Org]:
        return [o for o in self.orgs.values() if o.kind == "unit"]

    @property
    def agencies(self) -> list[Org]:
        return [o for o in self.orgs.values() if o.kind == "agency"]

    def units_for(self, category: str) -> list[str]:
        return [c for c in CATEGORY_UNITS.get(category, DEFAULT_UNITS) if c in self.orgs]

    def fields_for(self, category: str) -> tuple[str, ...]:
        return CATEGORY_FIELDS.get(category, DEFAULT_FIELDS)


def read_master(db: BulkLoader) -> Master:
    towns = [
        TownRow(code, name, kana, area)
        for code, name, kana, area in db.rows(
            "SELECT code, name, kana, area_code FROM towns WHERE active = ? ORDER BY code", (True,)
        )
    ]
    areas = [code for (code,) in db.rows("SELECT code FROM areas ORDER BY code")]
    orgs = {
        code: Org(code, kind, name, dept, fld)
        for code, kind, name, dept, fld in db.rows(
            "SELECT code, kind, name, department_code, field_code FROM organizations "
            "WHERE active = ? ORDER BY code",
            (True,),
        )
    }
    categories = [
        code
        for (code,) in db.rows(
            "SELECT code FROM issue_categories WHERE active = ? ORDER BY sort_order, code", (True,)
        )
    ]
    functions = [code for (code,) in db.rows("SELECT code FROM support_functions ORDER BY code")]

    def labels(list_name: str) -> list[str]:
        return [
            code
            for (code,) in db.rows(
                "SELECT code FROM code_labels WHERE list_name = ? ORDER BY sort_order, code",
                (list_name,),
            )
        ]

    schedules = {
        kind: (week, weekday, start, end, place)
        for kind, week, weekday, start, end, place in db.rows(
            "SELECT kind, week_of_month, weekday, start_time, end_time, place "
            "FROM meeting_schedules ORDER BY kind"
        )
    }
    return Master(
        towns=towns,
        areas=areas,
        orgs=orgs,
        categories=categories,
        functions=functions,
        intake_routes=labels("intake_route"),
        contact_means=labels("contact_means"),
        schedules=schedules,
    )
