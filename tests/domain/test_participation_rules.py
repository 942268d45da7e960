"""参加支援 and アウトリーチ counting (domain.reports) and the partner-business rules of plan items
(domain.plans, domain.organizations): people versus households, distinct partner businesses,
when a plan item runs, and the fiscal-year edges (31 March / 1 April)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.fiscal import fiscal_year_bounds
from domain.organizations import OrgKind, does_support_work, has_accounts, takes_referrals
from domain.plans import (
    ITEM_ORG_PROBLEM_MESSAGES,
    PARTICIPATION,
    ItemOrgProblem,
    partner_problem,
    responsible_org_problem,
)
from domain.reports import (
    NOT_ADDITIVE_BY_AREA,
    Figure,
    Label,
    Run,
    count_partners,
    overview_table,
    people_in_household,
    plan_item_run,
    tally,
    tally_people,
)

FY2023 = fiscal_year_bounds(2023)  # 2023-04-01 .. 2024-03-31
FY2022 = fiscal_year_bounds(2022)
FY2024 = fiscal_year_bounds(2024)
APPROVED = date(2023, 5, 9)


# ---------------------------------------------------------------- organisations


def test_a_partner_business_has_no_accounts_takes_no_referrals_and_does_no_support_work() -> None:
    assert not has_accounts(OrgKind.PARTNER)
    assert not takes_referrals(OrgKind.PARTNER)
    assert not does_support_work(OrgKind.PARTNER)
    for kind in (OrgKind.UNIT, OrgKind.AGENCY):
        assert has_accounts(kind) and takes_referrals(kind) and does_support_work(kind)


# ---------------------------------------------------------------- plan items naming a partner


def test_a_partner_is_named_only_on_a_participation_item() -> None:
    assert partner_problem(PARTICIPATION, OrgKind.PARTNER, True) is None
    for function in (None, "outreach", "consultation"):
        assert (
            partner_problem(function, OrgKind.PARTNER, True)
            is ItemOrgProblem.PARTNER_NOT_PARTICIPATION
        )


@pytest.mark.parametrize("kind", [OrgKind.UNIT, OrgKind.AGENCY, None])
def test_the_partner_must_be_an_org_of_kind_partner(kind: OrgKind | None) -> None:
    assert partner_problem(PARTICIPATION, kind, True) is ItemOrgProblem.NOT_A_PARTNER


def test_an_inactive_partner_cannot_be_named() -> None:
    assert partner_problem(PARTICIPATION, OrgKind.PARTNER, False) is ItemOrgProblem.PARTNER_INACTIVE


def test_a_partner_is_never_the_responsible_org() -> None:
    assert responsible_org_problem(OrgKind.PARTNER) is ItemOrgProblem.PARTNER_RESPONSIBLE
    assert responsible_org_problem(OrgKind.UNIT) is None
    assert responsible_org_problem(OrgKind.AGENCY) is None


def test_every_problem_has_a_japanese_and_an_english_message() -> None:
    assert set(ITEM_ORG_PROBLEM_MESSAGES) == set(ItemOrgProblem)
    for ja, en in ITEM_ORG_PROBLEM_MESSAGES.values():
        assert ja and en and ja != en


# ---------------------------------------------------------------- people (実人数)


def test_people_are_the_members_named_or_the_household() -> None:
    assert people_in_household(0) == 1
    assert people_in_household(3) == 3


def test_people_count_each_named_member_once_and_an_unnamed_household_as_one() -> None:
    contacts = [
        (1, 11),  # household 1: the son, three times, and once the household
        (1, 11),
        (1, None),
        (1, 11),
        (2, None),  # household 2: nobody named, twice
        (2, None),
        (3, 31),  # household 3: two members
        (3, 32),
    ]
    assert tally_people(contacts) == 1 + 1 + 2
    households = tally([h for h, _ in contacts])
    assert (households.distinct, households.total) == (3, 8)
    assert tally_people([]) == 0


@given(st.lists(st.tuples(st.integers(1, 6), st.none() | st.integers(1, 4))))
def test_people_lie_between_households_and_contacts(pairs: list[tuple[int, int | None]]) -> None:
    # Members are numbered per household here, so (household, member) is the person.
    contacts = [(h, None if m is None else h * 10 + m) for h, m in pairs]
    people = tally_people(contacts)
    households = tally([h for h, _ in contacts])
    assert households.distinct <= people <= max(households.total, 0)
    named = {(h, m) for h, m in contacts if m is not None}
    unnamed = {h for h, _ in contacts} - {h for h, _ in named}
    assert people == len(named) + len(unnamed)


def test_people_of_two_months_do_not_add_up_to_the_year() -> None:
    april = tally_people([(1, 11)])
    may = tally_people([(1, 11), (2, None)])
    year = tally_people([(1, 11), (1, 11), (2, None)])
    assert april + may == 3 != year == 2


# ---------------------------------------------------------------- when a plan item runs


def test_an_item_runs_on_its_own_dates_else_the_plans_else_from_the_approval() -> None:
    assert plan_item_run(
        approved_on=APPROVED,
        plan_start=date(2023, 5, 10),
        plan_end=date(2024, 5, 9),
        item_start=date(2023, 6, 1),
        item_end=date(2023, 9, 30),
    ) == Run(date(2023, 6, 1), date(2023, 9, 30))
    assert plan_item_run(
        approved_on=APPROVED,
        plan_start=date(2023, 5, 10),
        plan_end=date(2024, 5, 9),
        item_start=None,
        item_end=None,
    ) == Run(date(2023, 5, 10), date(2024, 5, 9))
    assert plan_item_run(
        approved_on=APPROVED, plan_start=None, plan_end=None, item_start=None, item_end=None
    ) == Run(APPROVED, None)


def test_an_item_of_a_plan_never_approved_does_not_run() -> None:
    assert (
        plan_item_run(
            approved_on=None,
            plan_start=date(2023, 4, 1),
            plan_end=None,
            item_start=date(2023, 4, 1),
            item_end=None,
        )
        is None
    )


def test_a_plan_closed_suspended_or_replaced_stops_its_items_that_day() -> None:
    run = plan_item_run(
        approved_on=APPROVED,
        plan_start=APPROVED,
        plan_end=date(2024, 5, 8),
        item_start=None,
        item_end=None,
        ended_on=date(2024, 3, 31),
    )
    assert run == Run(APPROVED, date(2024, 3, 31))
    assert run is not None and run.overlaps(*FY2023) and not run.overlaps(*FY2024)
    # Ended before the item was due to begin: it never ran.
    assert (
        plan_item_run(
            approved_on=APPROVED,
            plan_start=APPROVED,
            plan_end=None,
            item_start=date(2023, 7, 1),
            item_end=None,
            ended_on=date(2023, 6, 30),
        )
        is None
    )
    # An end after the plan's own end changes nothing.
    assert plan_item_run(
        approved_on=APPROVED,
        plan_start=APPROVED,
        plan_end=date(2023, 12, 31),
        item_start=None,
        item_end=None,
        ended_on=date(2024, 1, 15),
    ) == Run(APPROVED, date(2023, 12, 31))


def test_the_31_march_and_1_april_edges_of_a_run() -> None:
    ends_31_march = Run(date(2022, 10, 1), date(2023, 3, 31))
    assert ends_31_march.overlaps(*FY2022) and not ends_31_march.overlaps(*FY2023)
    starts_1_april = Run(date(2024, 4, 1), None)
    assert starts_1_april.overlaps(*FY2024) and not starts_1_april.overlaps(*FY2023)
    one_day = Run(date(2024, 3, 31), date(2024, 3, 31))
    assert one_day.overlaps(*FY2023) and not one_day.overlaps(*FY2024)
    open_ended = Run(date(2021, 4, 1), None)
    assert open_ended.overlaps(*FY2022) and open_ended.overlaps(*FY2024)


# ---------------------------------------------------------------- partner businesses (協力事業所数)


def test_partner_businesses_are_counted_once_however_many_items_name_them() -> None:
    items = [
        ("bakery", Run(date(2023, 4, 1), None)),  # two people at the bakery
        ("bakery", Run(date(2023, 6, 1), date(2023, 9, 30))),
        ("farm", Run(date(2023, 5, 1), date(2024, 3, 31))),  # to the last day of FY2023
        ("cafe", Run(date(2024, 4, 1), None)),  # FY2024 only
        ("shop", Run(date(2022, 4, 1), date(2023, 3, 31))),  # FY2022 only
        ("library", None),  # a plan never approved
    ]
    assert count_partners(items, *FY2023) == 2
    assert count_partners(items, *FY2024) == 2  # the bakery (open-ended) and the café
    assert count_partners(items, *FY2022) == 1
    assert count_partners(items, date(2023, 4, 1), date(2023, 4, 30)) == 1
    assert count_partners(items, date(2024, 3, 31), date(2024, 3, 31)) == 2
    assert count_partners([], *FY2023) == 0


def test_partner_businesses_by_area_do_not_add_up_to_the_city() -> None:
    areas = [Label("east", "東部", "East"), Label("west", "西部", "West")]
    assert Figure.PARTICIPATION_PARTNERS in NOT_ADDITIVE_BY_AREA
    table = overview_table(
        areas,
        {
            Figure.PARTICIPATION_PARTNERS: {"east": 2, "west": 1},
            Figure.PARTICIPATION_PEOPLE: {"east": 2, "west": 1},
        },
        {Figure.PARTICIPATION_PARTNERS: 2},  # the bakery hosts a person from each area
    )
    rows = {r.key: dict(r.values) for r in table.rows}
    assert rows["participation_partners"] == {"east": 2, "west": 1, "unknown": 0, "total": 2}
    assert rows["participation_people"]["total"] == 3  # people do add up by area
    assert "協力事業所" in table.note and "実人数" in table.note
