"""本人同意: when a consent is in force, whom it covers, and which records are consistent."""

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.consent import (
    ConsentDecision,
    ConsentFacts,
    ConsentGivenBy,
    ConsentRuleError,
    check_consent_record,
    consent_covers,
)

FAST = settings(max_examples=200, deadline=None, database=None)

TODAY = date(2026, 6, 15)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)
ORG = "unit-mine"
OTHER_ORG = "unit-other"

GIVEN = ConsentFacts(
    decision=ConsentDecision.GIVEN,
    withdrawn=False,
    valid_until=None,
    covers_whole_team=False,
    covered_orgs=frozenset({ORG}),
)


# --- In force ---------------------------------------------------------------------------------

IN_FORCE = {
    "given_without_expiry": (GIVEN, True),
    "valid_until_tomorrow": (replace(GIVEN, valid_until=TOMORROW), True),
    "valid_until_today_is_still_valid": (replace(GIVEN, valid_until=TODAY), True),
    "valid_until_yesterday_has_expired": (replace(GIVEN, valid_until=YESTERDAY), False),
    "withdrawn": (replace(GIVEN, withdrawn=True), False),
    "withdrawn_before_expiry": (replace(GIVEN, withdrawn=True, valid_until=TOMORROW), False),
    "refused": (replace(GIVEN, decision=ConsentDecision.REFUSED), False),
    "refused_with_future_expiry": (
        replace(GIVEN, decision=ConsentDecision.REFUSED, valid_until=TOMORROW),
        False,
    ),
}


@pytest.mark.parametrize(("consent", "expected"), IN_FORCE.values(), ids=list(IN_FORCE))
def test_consent_is_in_force_when_given_not_withdrawn_and_not_past_its_last_day(
    consent: ConsentFacts, expected: bool
) -> None:
    assert consent.is_in_force(TODAY) is expected


def test_consent_is_valid_through_its_last_day_and_expires_the_day_after() -> None:
    last_day = date(2027, 3, 31)
    consent = replace(GIVEN, valid_until=last_day)
    assert consent.is_in_force(last_day - timedelta(days=1))
    assert consent.is_in_force(last_day)
    assert not consent.is_in_force(last_day + timedelta(days=1))


def test_consent_without_expiry_stays_in_force_indefinitely() -> None:
    assert GIVEN.is_in_force(date(1900, 1, 1))
    assert GIVEN.is_in_force(date(9999, 12, 31))


# --- Covers -----------------------------------------------------------------------------------

COVERS = {
    "names_the_org": (GIVEN, ORG, True),
    "names_another_org_only": (GIVEN, OTHER_ORG, False),
    "names_several_orgs": (replace(GIVEN, covered_orgs=frozenset({ORG, OTHER_ORG})), ORG, True),
    "whole_team_covers_any_org": (
        replace(GIVEN, covers_whole_team=True, covered_orgs=frozenset()),
        OTHER_ORG,
        True,
    ),
    "no_org_is_never_covered": (replace(GIVEN, covers_whole_team=True), None, False),
    "withdrawn_covers_no_one": (
        replace(GIVEN, withdrawn=True, covers_whole_team=True),
        ORG,
        False,
    ),
    "expired_covers_no_one": (
        replace(GIVEN, valid_until=YESTERDAY, covers_whole_team=True),
        ORG,
        False,
    ),
    "last_day_still_covers": (replace(GIVEN, valid_until=TODAY), ORG, True),
    "refused_covers_no_one": (
        replace(GIVEN, decision=ConsentDecision.REFUSED, covers_whole_team=True),
        ORG,
        False,
    ),
}


@pytest.mark.parametrize(("consent", "org", "expected"), COVERS.values(), ids=list(COVERS))
def test_consent_covers_an_org_only_while_in_force_and_within_its_scope(
    consent: ConsentFacts, org: str | None, expected: bool
) -> None:
    assert consent.covers(org, TODAY) is expected
    assert consent_covers(consent, org, TODAY) is expected


@pytest.mark.parametrize("org", [ORG, OTHER_ORG, None])
def test_missing_consent_covers_no_one(org: str | None) -> None:
    assert consent_covers(None, org, TODAY) is False


def test_consent_scope_matches_org_ids_exactly() -> None:
    assert not GIVEN.covers(ORG.upper(), TODAY)
    assert not GIVEN.covers(ORG + " ", TODAY)
    assert not GIVEN.covers("", TODAY)


orgs = st.sampled_from(("unit-a", "unit-b", "agency-c"))
consent_facts = st.builds(
    ConsentFacts,
    decision=st.sampled_from(ConsentDecision),
    withdrawn=st.booleans(),
    valid_until=st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    covers_whole_team=st.booleans(),
    covered_orgs=st.frozensets(orgs),
)
days = st.dates(date(2020, 1, 1), date(2030, 12, 31))


@FAST
@given(consent_facts, st.none() | orgs, days)
def test_consent_covers_exactly_when_in_force_and_org_is_in_scope(
    consent: ConsentFacts, org: str | None, today: date
) -> None:
    in_force = (
        consent.decision == ConsentDecision.GIVEN
        and not consent.withdrawn
        and (consent.valid_until is None or today <= consent.valid_until)
    )
    in_scope = org is not None and (consent.covers_whole_team or org in consent.covered_orgs)
    assert consent.is_in_force(today) == in_force
    assert consent.covers(org, today) == (in_force and in_scope)


@FAST
@given(consent_facts, orgs, days)
def test_withdrawal_ends_coverage_at_once(consent: ConsentFacts, org: str, today: date) -> None:
    assert not replace(consent, withdrawn=True).covers(org, today)


# --- Consistency of a consent record ----------------------------------------------------------


def record(**overrides: object) -> dict[str, Any]:
    """A valid record of the main person's written consent, naming one org."""
    fields: dict[str, Any] = {
        "decision": ConsentDecision.GIVEN,
        "given_by": ConsentGivenBy.SELF,
        "guardian_name": None,
        "decided_on": TODAY,
        "valid_until": date(2027, 3, 31),
        "covers_whole_team": False,
        "covered_orgs": frozenset({ORG}),
        "today": TODAY,
    }
    fields.update(overrides)
    return fields


INVALID_RECORDS = {
    "decided_in_the_future": (record(decided_on=TOMORROW), "未来"),
    "guardian_without_name": (
        record(given_by=ConsentGivenBy.GUARDIAN, guardian_name=None),
        "氏名",
    ),
    "guardian_with_empty_name": (
        record(given_by=ConsentGivenBy.GUARDIAN, guardian_name=""),
        "氏名",
    ),
    "guardian_with_blank_name": (
        record(given_by=ConsentGivenBy.GUARDIAN, guardian_name="  "),
        "氏名",
    ),
    "guardian_with_full_width_blank_name": (
        record(given_by=ConsentGivenBy.GUARDIAN, guardian_name="\u3000"),
        "氏名",
    ),
    "valid_until_before_decision": (
        record(decided_on=YESTERDAY, valid_until=YESTERDAY - timedelta(days=1)),
        "有効期限",
    ),
    "given_without_scope": (
        record(covers_whole_team=False, covered_orgs=frozenset()),
        "範囲",
    ),
    "refused_with_whole_team_scope": (
        record(decision=ConsentDecision.REFUSED, covers_whole_team=True, covered_orgs=frozenset()),
        "共有範囲",
    ),
    "refused_with_named_orgs": (
        record(decision=ConsentDecision.REFUSED, covered_orgs=frozenset({ORG})),
        "共有範囲",
    ),
}


@pytest.mark.parametrize(("fields", "message"), INVALID_RECORDS.values(), ids=list(INVALID_RECORDS))
def test_inconsistent_consent_record_is_refused_with_its_reason(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConsentRuleError, match=message):
        check_consent_record(**fields)


VALID_RECORDS = {
    "self_written_naming_orgs": record(),
    "whole_team": record(covers_whole_team=True, covered_orgs=frozenset()),
    "whole_team_and_named_orgs": record(covers_whole_team=True),
    "no_expiry": record(valid_until=None),
    "decided_today": record(decided_on=TODAY),
    "decided_in_the_past_and_already_expired": record(
        decided_on=date(2024, 4, 1), valid_until=date(2025, 3, 31)
    ),
    "valid_only_on_the_day_of_decision": record(valid_until=TODAY),
    "guardian_with_name": record(given_by=ConsentGivenBy.GUARDIAN, guardian_name="山田 太郎"),
    "refused_without_scope": record(
        decision=ConsentDecision.REFUSED, covered_orgs=frozenset(), valid_until=None
    ),
    "refused_by_guardian": record(
        decision=ConsentDecision.REFUSED,
        given_by=ConsentGivenBy.GUARDIAN,
        guardian_name="山田 花子",
        covered_orgs=frozenset(),
    ),
    "self_ignores_guardian_name": record(guardian_name=None),
}


@pytest.mark.parametrize("fields", VALID_RECORDS.values(), ids=list(VALID_RECORDS))
def test_consistent_consent_record_is_accepted(fields: dict[str, Any]) -> None:
    check_consent_record(**fields)  # raises ConsentRuleError if refused


def test_consent_rule_error_is_a_value_error() -> None:
    assert issubclass(ConsentRuleError, ValueError)
