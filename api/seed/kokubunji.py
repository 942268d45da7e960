"""Kokubunji City's seed data for the 重層的支援体制整備事業.

The 重層的支援体制整備事業 is the programme of Social Welfare Act Art. 106-4. These
are the project's own copies of the facts in the city's presentation
(国分寺市健康部地域共生推進課, 2024-02-26) and in the project's domain notes.
Nothing here is read from outside the project at run time: org structure, towns,
agencies, issue categories, the six Art. 106-4 §2 functions and the code lists are
plain, immutable data, so that another municipality can run the system by replacing
this module's values, not its code.

Conventions:
- ``code`` is a stable lowercase ASCII snake_case identifier, unique within its table;
  other tables refer to it (``Town.area``, ``OrgUnit.department``, ``Agency.field``,
  ``SupportFunction.lead_units``).
- ``kana`` is the reading in hiragana (the prolonged-sound mark ``ー`` is used in the
  readings of loanwords such as センター).
- Where a value is a judgement rather than a fact stated in the source documents,
  a comment says so.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AGENCIES",
    "AGENCY_FIELDS",
    "AREAS",
    "CONTACT_MEANS",
    "DEPARTMENTS",
    "INTAKE_ROUTES",
    "ISSUE_CATEGORIES",
    "MEETING_SCHEDULES",
    "ORG_UNITS",
    "SUPPORT_FUNCTIONS",
    "TOWNS",
    "Agency",
    "AgencyField",
    "Area",
    "CodeLabel",
    "Department",
    "IssueCategory",
    "MeetingSchedule",
    "OrgUnit",
    "SupportFunction",
    "Town",
]


# ------------------------------------------------------------------------------
# Record types
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Department:
    """A 部 of the city, or one of the bodies that act alongside the 4部."""

    code: str
    name: str
    name_en: str
    sort_order: int


@dataclass(frozen=True)
class AgencyField:
    """The field (分野) of a partner agency.

    The fields are those of the 支援会議 participation statistics.
    """

    code: str
    name: str
    name_en: str
    sort_order: int


@dataclass(frozen=True)
class Area:
    """A 日常生活圏域 (daily-life area); each has its own 地域福祉コーディネーター."""

    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Town:
    """A 町 of Kokubunji and the area it belongs to."""

    code: str
    name: str
    kana: str
    area: str  # Area.code


@dataclass(frozen=True)
class OrgUnit:
    """A 課 / 室 / 担当 (or the 社協's coordinator teams) whose staff use the system."""

    code: str
    name: str
    kana: str
    department: str  # Department.code


@dataclass(frozen=True)
class Agency:
    """A partner agency (支援関係機関) outside the city's org units."""

    code: str
    name: str
    kana: str
    field: str  # AgencyField.code


@dataclass(frozen=True)
class IssueCategory:
    """A 課題 a household or member can be tagged with.

    ``national`` is True for the items of the national 生活困窮者自立支援 statistics
    (課題の特性) and False for the project's own categories.
    """

    code: str
    name: str
    name_en: str
    national: bool
    sort_order: int


@dataclass(frozen=True)
class SupportFunction:
    """One of the six functions of Social Welfare Act Art. 106-4 §2, items 1-6."""

    code: str
    article_item: str
    name: str
    name_en: str
    lead_units: tuple[str, ...]  # OrgUnit.code values


@dataclass(frozen=True)
class CodeLabel:
    """A generic code list entry (used for intake routes and contact means)."""

    code: str
    name: str
    name_en: str


# ------------------------------------------------------------------------------
# Departments
# ------------------------------------------------------------------------------

DEPARTMENTS: tuple[Department, ...] = (
    # The 4部 whose consultation work the 相談支援総合調整会議 coordinates
    # (教育部 joined in FY2022 / 令和4年度).
    Department("health", "健康部", "Health Department", 1),
    Department("welfare", "福祉部", "Welfare Department", 2),
    Department("children_family", "子ども家庭部", "Children and Family Department", 3),
    Department("education", "教育部", "Education Department", 4),
    # Commissioned by the city: 地域福祉コーディネーター, 重層的支援会議, support plans.
    Department(
        "shakyo",
        "国分寺市社会福祉協議会",
        "Kokubunji City Council of Social Welfare",
        5,
    ),
    # City units outside the 4部 that only refer cases (e.g. 納税課).
    Department("other", "その他の部署", "Other city units", 6),
    # IT administration and audit; runs the system but does not read case content.
    Department("system", "情報システム", "Information systems", 7),
    # Partner agencies (支援関係機関) outside the city hall; the JWT ``dept`` claim "agency".
    Department("agency", "支援関係機関", "Partner agencies", 8),
    # Partner businesses of 参加支援 (協力事業所: employers, shops, farms, cafés that host a person).
    # They have no accounts; the businesses themselves are entered by an admin, not seeded.
    Department("partner", "参加支援協力事業所", "Participation-support partner businesses", 9),
)


# ------------------------------------------------------------------------------
# Agency fields (order as in the city's 支援会議 participation table)
# ------------------------------------------------------------------------------

AGENCY_FIELDS: tuple[AgencyField, ...] = (
    AgencyField("health_medical", "保健医療", "Health and medical care", 1),
    AgencyField("poverty", "生活困窮", "Poverty and livelihood", 2),
    AgencyField("disability", "障害福祉", "Disability welfare", 3),
    AgencyField("elderly", "高齢福祉", "Elderly welfare", 4),
    AgencyField("child", "児童福祉", "Child welfare", 5),
    AgencyField("other", "その他", "Other", 6),
)


# ------------------------------------------------------------------------------
# Daily-life areas and towns
# ------------------------------------------------------------------------------

AREAS: tuple[Area, ...] = (
    Area("east", "東部", "East area"),
    Area("west", "西部", "West area"),
)

# Codes romanise the reading; an underscore separates a 東/西 prefix from the
# place name.
TOWNS: tuple[Town, ...] = (
    # 東部
    Town("higashi_motomachi", "東元町", "ひがしもとまち", "east"),
    Town("nishi_motomachi", "西元町", "にしもとまち", "east"),
    Town("minamicho", "南町", "みなみちょう", "east"),
    Town("izumicho", "泉町", "いずみちょう", "east"),
    Town("nishi_koigakubo", "西恋ヶ窪", "にしこいがくぼ", "east"),
    Town("higashi_tokura", "東戸倉", "ひがしとくら", "east"),
    Town("honcho", "本町", "ほんちょう", "east"),
    Town("honda", "本多", "ほんだ", "east"),
    Town("higashi_koigakubo", "東恋ヶ窪", "ひがしこいがくぼ", "east"),
    # 西部
    Town("tokura", "戸倉", "とくら", "west"),
    Town("hiyoshicho", "日吉町", "ひよしちょう", "west"),
    Town("naito", "内藤", "ないとう", "west"),
    Town("hikaricho", "光町", "ひかりちょう", "west"),
    Town("takagicho", "高木町", "たかぎちょう", "west"),
    Town("nishimachi", "西町", "にしまち", "west"),
    Town("fujimoto", "富士本", "ふじもと", "west"),
    Town("shinmachi", "新町", "しんまち", "west"),
    Town("namikicho", "並木町", "なみきちょう", "west"),
    Town("kitamachi", "北町", "きたまち", "west"),
)


# ------------------------------------------------------------------------------
# Org units
# ------------------------------------------------------------------------------
# Source of the unit list: the presentation's table of Art. 106-4 §2 items and
# their 担当課, and the membership of the 相談支援総合調整会議 (its 課長 and 係長
# members). Units that the documents name only at 係 level inside a 課 listed here
# (入園相談 in 保育幼稚園課, 地域保健 in 健康推進課) are not separate units.

ORG_UNITS: tuple[OrgUnit, ...] = (
    # 健康部
    # Secretariat of the project: runs the 支援会議, coordinates the 4部.
    OrgUnit("kyosei", "地域共生推進課", "ちいききょうせいすいしんか", "health"),
    # Runs the 子育て世代包括支援センター事業 (item 1ハ) and 地域保健.
    OrgUnit("kenko_suishin", "健康推進課", "けんこうすいしんか", "health"),
    # 福祉部
    OrgUnit("koreifukushi", "高齢福祉課", "こうれいふくしか", "welfare"),
    # A 担当課長 post on the 相談支援総合調整会議; kept as its own unit.
    OrgUnit(
        "chiiki_hokatsu_care",
        "地域包括ケア担当",
        "ちいきほうかつけあたんとう",
        "welfare",
    ),
    OrgUnit("shogaifukushi", "障害福祉課", "しょうがいふくしか", "welfare"),
    OrgUnit("seikatsufukushi", "生活福祉課", "せいかつふくしか", "welfare"),
    # 子ども家庭部
    OrgUnit(
        "kodomo_wakamono_keikaku",
        "子ども若者計画課",
        "こどもわかものけいかくか",
        "children_family",
    ),
    # Guess: the documents name 若者支援 only as a consultation 係長 on the
    # 相談支援総合調整会議 (presumably a 係 of 子ども若者計画課). Kept as a unit
    # because ひきこもり and young people's cases are referred to it directly; the
    # formal name (係 / 担当) is not stated.
    OrgUnit("wakamono_shien", "若者支援", "わかものしえん", "children_family"),
    OrgUnit("kosodate_sodan", "子育て相談室", "こそだてそうだんしつ", "children_family"),
    OrgUnit("hoiku_yochien", "保育幼稚園課", "ほいくようちえんか", "children_family"),
    # A city unit (not a partner agency); its 係長 sits on the 相談支援総合調整会議.
    OrgUnit(
        "kodomo_katei_center",
        "子ども家庭支援センター",
        "こどもかていしえんせんたー",
        "children_family",
    ),
    # 教育部
    # The documents name the 学校教育担当 課長 and a 指導主事; the unit name
    # 学校指導課 is the project's reading of where they sit.
    OrgUnit("gakko_shido", "学校指導課", "がっこうしどうか", "education"),
    # Guesses: not named in the documents, implied by 不登校 / 就学 consultations.
    OrgUnit("kyoiku_sodan", "教育相談室", "きょういくそうだんしつ", "education"),
    OrgUnit("gakumu", "学務課", "がくむか", "education"),
    # Outside the 4部: units that refer cases to the 福祉の総合相談窓口.
    OrgUnit("nozei", "納税課", "のうぜいか", "other"),
    # 国分寺市社会福祉協議会: the 地域福祉コーディネーター, two per area.
    OrgUnit(
        "shakyo_east",
        "地域福祉コーディネーター（東部）",
        "ちいきふくしこーでぃねーたーとうぶ",
        "shakyo",
    ),
    OrgUnit(
        "shakyo_west",
        "地域福祉コーディネーター（西部）",
        "ちいきふくしこーでぃねーたーせいぶ",
        "shakyo",
    ),
    # IT administration and audit.
    OrgUnit("it_admin", "情報管理課", "じょうほうかんりか", "system"),
)


# ------------------------------------------------------------------------------
# Partner agencies (支援関係機関)
# ------------------------------------------------------------------------------
# The city has six 地域包括支援センター. Their individual names are not in the source
# documents and could not be verified here, so they are numbered; a deployment
# should rename them (and any other entry) to the centres' official names.

AGENCIES: tuple[Agency, ...] = (
    # 保健医療
    Agency(
        "tama_tachikawa_hokenjo",
        "東京都多摩立川保健所",
        "とうきょうとたまたちかわほけんじょ",
        "health_medical",
    ),
    # Generic entries standing for the many hospitals, clinics and nursing stations.
    Agency("iryo_kikan", "医療機関（病院・診療所）", "いりょうきかん", "health_medical"),
    Agency(
        "homon_kango",
        "訪問看護ステーション",
        "ほうもんかんごすてーしょん",
        "health_medical",
    ),
    # 生活困窮
    # Run by 国分寺市社会福祉協議会 (生活困窮者自立相談支援事業, item 1ニ, 生活福祉課).
    Agency(
        "jiritsu_support",
        "自立生活サポートセンター",
        "じりつせいかつさぽーとせんたー",
        "poverty",
    ),
    Agency("hello_work_fuchu", "ハローワーク府中", "はろーわーくふちゅう", "poverty"),
    # 障害福祉
    Agency(
        "kikan_sodan",
        "障害者基幹相談支援センター",
        "しょうがいしゃきかんそうだんしえんせんたー",
        "disability",
    ),
    Agency(
        "shogaisha_shuro_shien",
        "障害者就労支援センター",
        "しょうがいしゃしゅうろうしえんせんたー",
        "disability",
    ),
    # 高齢福祉
    Agency(
        "hokatsu_1",
        "国分寺市地域包括支援センター第1",
        "こくぶんじしちいきほうかつしえんせんたーだいいち",
        "elderly",
    ),
    Agency(
        "hokatsu_2",
        "国分寺市地域包括支援センター第2",
        "こくぶんじしちいきほうかつしえんせんたーだいに",
        "elderly",
    ),
    Agency(
        "hokatsu_3",
        "国分寺市地域包括支援センター第3",
        "こくぶんじしちいきほうかつしえんせんたーだいさん",
        "elderly",
    ),
    Agency(
        "hokatsu_4",
        "国分寺市地域包括支援センター第4",
        "こくぶんじしちいきほうかつしえんせんたーだいよん",
        "elderly",
    ),
    Agency(
        "hokatsu_5",
        "国分寺市地域包括支援センター第5",
        "こくぶんじしちいきほうかつしえんせんたーだいご",
        "elderly",
    ),
    Agency(
        "hokatsu_6",
        "国分寺市地域包括支援センター第6",
        "こくぶんじしちいきほうかつしえんせんたーだいろく",
        "elderly",
    ),
    # Generic entry standing for the care-management offices (ケアマネジャー).
    Agency(
        "kyotaku_kaigo_shien",
        "居宅介護支援事業所",
        "きょたくかいごしえんじぎょうしょ",
        "elderly",
    ),
    # 児童福祉
    # The presentation lists it among the city's main consultation bases (子ども); the
    # programme itself is run by 健康推進課 (item 1ハ).
    Agency(
        "kosodate_sedai_center",
        "子育て世代包括支援センター",
        "こそだてせだいほうかつしえんせんたー",
        "child",
    ),
    Agency(
        "kodaira_jido_sodanjo",
        "東京都小平児童相談所",
        "とうきょうとこだいらじどうそうだんじょ",
        "child",
    ),
    # Judgement: schools take part in cases (不登校, ヤングケアラー) as outside
    # agencies; filed under 児童福祉.
    Agency(
        "shiritsu_gakko",
        "国分寺市立小・中学校",
        "こくぶんじしりつしょうちゅうがっこう",
        "child",
    ),
    # その他
    # Run by 国分寺市社会福祉協議会 (権利擁護事業); named in the presentation.
    Agency(
        "kenri_yogo_center",
        "権利擁護センターこくぶんじ",
        "けんりようごせんたーこくぶんじ",
        "other",
    ),
    Agency(
        "minsei_jido_iin",
        "国分寺市民生委員・児童委員協議会",
        "こくぶんじしみんせいいいんじどういいんきょうぎかい",
        "other",
    ),
)


# ------------------------------------------------------------------------------
# Issue categories
# ------------------------------------------------------------------------------
# National: 課題の特性 of the 生活困窮者自立支援 statistics (sort 1-28, その他 last).
# Project's own (national=False): the 制度の狭間 issues the city names (sort 101-106).

ISSUE_CATEGORIES: tuple[IssueCategory, ...] = (
    IssueCategory("illness", "病気", "Illness", True, 1),
    IssueCategory("injury", "けが", "Injury", True, 2),
    IssueCategory(
        "disability_certified",
        "障害（手帳有）",
        "Disability (with certificate)",
        True,
        3,
    ),
    IssueCategory("disability_suspected", "障害（疑い）", "Suspected disability", True, 4),
    IssueCategory("suicidal_intent", "自死企図", "Suicidal intent", True, 5),
    IssueCategory("mental_health", "メンタルヘルス", "Mental health", True, 6),
    IssueCategory("unstable_housing", "住まい不安定", "Unstable housing", True, 7),
    IssueCategory("homelessness", "ホームレス", "Homelessness", True, 8),
    IssueCategory("economic_hardship", "経済的困窮", "Economic hardship", True, 9),
    IssueCategory("debt", "債務", "Debt", True, 10),
    IssueCategory(
        "household_budget",
        "家計管理の課題",
        "Household budget management",
        True,
        11,
    ),
    IssueCategory(
        "job_search_difficulty",
        "就職活動困難",
        "Difficulty finding work",
        True,
        12,
    ),
    IssueCategory(
        "job_retention_difficulty",
        "就職定着困難",
        "Difficulty keeping a job",
        True,
        13,
    ),
    IssueCategory("irregular_lifestyle", "生活習慣の乱れ", "Disordered daily habits", True, 14),
    IssueCategory(
        "social_isolation",
        "社会的孤立（ニート・ひきこもりなど）",
        "Social isolation (NEET, hikikomori, etc.)",
        True,
        15,
    ),
    IssueCategory(
        "family_relations",
        "家族関係・家族の問題",
        "Family relationships and problems",
        True,
        16,
    ),
    IssueCategory("truancy", "不登校", "School non-attendance", True, 17),
    IssueCategory("delinquency", "非行", "Delinquency", True, 18),
    IssueCategory(
        "school_dropout",
        "中卒・高校中退",
        "Left school after junior high / high-school dropout",
        True,
        19,
    ),
    IssueCategory("abuse_dv", "DV・虐待", "Domestic violence and abuse", True, 20),
    IssueCategory("child_rearing", "子育て", "Child rearing", True, 21),
    IssueCategory("nursing_care", "介護", "Nursing care", True, 22),
    IssueCategory("single_parent", "ひとり親", "Single parent", True, 23),
    IssueCategory(
        "foreign_language",
        "外国籍・日本語",
        "Foreign nationality / Japanese language",
        True,
        24,
    ),
    IssueCategory("ex_offender", "刑余者", "Former offender", True, 25),
    IssueCategory(
        "communication_difficulty",
        "コミュニケーションが苦手",
        "Difficulty communicating",
        True,
        26,
    ),
    IssueCategory(
        "limited_capacity",
        "本人の能力の制約",
        "Limitations of the person's abilities",
        True,
        27,
    ),
    IssueCategory(
        "multiple_complex",
        "多重・複合の課題",
        "Multiple and compound issues",
        True,
        28,
    ),
    # The project's own categories.
    IssueCategory(
        "c8050",
        "8050",
        "8050 problem (aged parent supporting a middle-aged recluse child)",
        False,
        101,
    ),
    IssueCategory("young_carer", "ヤングケアラー", "Young carer", False, 102),
    IssueCategory(
        "double_care",
        "ダブルケア",
        "Double care (children and parents at once)",
        False,
        103,
    ),
    IssueCategory("hoarding", "ごみ屋敷", "Hoarding", False, 104),
    IssueCategory("lack_of_insight", "病識欠如", "Lack of insight into illness", False, 105),
    IssueCategory("noise_trouble", "騒音トラブル", "Noise trouble", False, 106),
    # その他 (national) is kept last.
    IssueCategory("other", "その他", "Other", True, 999),
)


# ------------------------------------------------------------------------------
# The six functions of Social Welfare Act Art. 106-4 §2 and Kokubunji's lead units
# ------------------------------------------------------------------------------

SUPPORT_FUNCTIONS: tuple[SupportFunction, ...] = (
    SupportFunction(
        "consultation",
        "第1号",
        "相談支援",
        "Consultation support",
        # イ 高齢福祉課, ロ 障害福祉課,
        # ハ 子育て相談室 / 健康推進課 / 保育幼稚園課, ニ 生活福祉課
        (
            "koreifukushi",
            "shogaifukushi",
            "kosodate_sodan",
            "kenko_suishin",
            "hoiku_yochien",
            "seikatsufukushi",
        ),
    ),
    SupportFunction(
        "participation",
        "第2号",
        "参加支援",
        "Participation support",
        ("kyosei",),
    ),
    SupportFunction(
        "community",
        "第3号",
        "地域づくりに向けた支援",
        "Support for community building",
        # イ・ロ 高齢福祉課, ハ 障害福祉課, ニ 子育て相談室
        ("koreifukushi", "shogaifukushi", "kosodate_sodan"),
    ),
    SupportFunction(
        "outreach",
        "第4号",
        "アウトリーチ等を通じた継続的支援",
        "Continuous support through outreach",
        ("kyosei",),
    ),
    SupportFunction(
        "multi_agency",
        "第5号",
        "多機関協働",
        "Multi-agency collaboration",
        ("kyosei", "shakyo_east", "shakyo_west"),
    ),
    SupportFunction(
        "plan",
        "第6号",
        "支援プランの作成",
        "Support plan preparation",
        # Done together with item 5 by the 社協's coordinators.
        ("shakyo_east", "shakyo_west"),
    ),
)


# ------------------------------------------------------------------------------
# Code lists
# ------------------------------------------------------------------------------

INTAKE_ROUTES: tuple[CodeLabel, ...] = (
    CodeLabel("window", "窓口（来所）", "Walk-in at the window"),
    CodeLabel("phone", "電話", "Telephone"),
    CodeLabel("visit", "訪問", "Home visit"),
    CodeLabel("agency", "関係機関から", "From a partner agency"),
    CodeLabel("resident", "地域住民から", "From a local resident"),
    CodeLabel("commissioner", "民生委員から", "From a welfare commissioner"),
    CodeLabel("family", "家族・親族から", "From family or relatives"),
    CodeLabel("city_unit", "庁内他部署から", "From another city unit"),
    CodeLabel("other", "その他", "Other"),
)

CONTACT_MEANS: tuple[CodeLabel, ...] = (
    CodeLabel("visit", "訪問", "Home visit"),
    CodeLabel("office", "来所", "Office visit"),
    CodeLabel("phone", "電話", "Telephone"),
    CodeLabel("email", "メール", "E-mail"),
    CodeLabel("letter", "文書", "Letter"),
    CodeLabel("meeting", "会議・カンファレンス", "Meeting or case conference"),
    CodeLabel("accompany", "同行", "Accompanying the person"),
    CodeLabel("other", "その他", "Other"),
)


# ------------------------------------------------------------------------------
# Regular meeting schedules (支援会議 and 重層的支援会議: 毎月第2火曜日 15:00-17:15, 市役所会議室)
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingSchedule:
    kind: str
    week_of_month: int
    weekday: int  # Monday = 0
    start: str  # HH:MM
    end: str
    place: str


MEETING_SCHEDULES: tuple[MeetingSchedule, ...] = (
    MeetingSchedule("support", 2, 1, "15:00", "17:15", "市役所 会議室"),
    MeetingSchedule("multi_agency", 2, 1, "15:00", "17:15", "市役所 会議室"),
)
