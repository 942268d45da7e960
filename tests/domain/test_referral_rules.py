"""つなぐ: the referral state machine, who takes which step, when an answer is overdue, who reads."""

from datetime import date, timedelta

import pytest

from domain.access import Dept, Principal, PrincipalKind, Role
from domain.referrals import (
    AWAITING_ANSWER,
    OPEN_STATUSES,
    REFERRAL_ACTIONS,
    REFERRAL_STATUS_LABELS,
    Party,
    ReferralAction,
    ReferralFacts,
    ReferralStatus,
    allowed_actions,
    can_read_referral,
    is_overdue,
    needs_reason,
    next_status,
    referral_parties,
)

TODAY = date(2024, 2, 26)

# One row per (status, party); one column per action. A cell is the status the action leads to,
# or "." when the rules refuse it (→ 409 in the API, or 403 when the caller is the wrong side).
# S = sender side, R = the addressed (recipient) org.
TABLE = """
status       party  accept    decline   start        complete   withdraw
sent         R      accepted  declined  .            .          .
sent         S      .         .         .            .          withdrawn
accepted     R      .         .         in_progress  completed  .
accepted     S      .         .         .            .          withdrawn
in_progress  R      .         .         .            completed  .
in_progress  S      .         .         .            .          withdrawn
declined     R      .         .         .            .          .
declined     S      .         .         .            .          .
completed    R      .         .         .            .          .
completed    S      .         .         .            .          .
withdrawn    R      .         .         .            .          .
withdrawn    S      .         .         .            .          .
"""

PARTIES = {"R": Party.RECIPIENT, "S": Party.SENDER}


def parse_table() -> list[tuple[ReferralStatus, Party, ReferralAction, ReferralStatus | None]]:
    header, *rows = TABLE.strip().splitlines()
    actions = [ReferralAction(name) for name in header.split()[2:]]
    cells = []
    for row in rows:
        status, party, *targets = row.split()
        cells += [
            (
                ReferralStatus(status),
                PARTIES[party],
                action,
                None if target == "." else ReferralStatus(target),
            )
            for action, target in zip(actions, targets, strict=True)
        ]
    return cells


CELLS = parse_table()


def test_the_table_covers_every_status_action_and_party_once() -> None:
    combos = {(st, party, action) for st, party, action, _ in CELLS}
    assert len(combos) == len(CELLS) == len(ReferralStatus) * len(Party) * len(ReferralAction)


@pytest.mark.parametrize(("current", "party", "action", "expected"), CELLS)
def test_next_status_follows_the_table(
    current: ReferralStatus,
    party: Party,
    action: ReferralAction,
    expected: ReferralStatus | None,
) -> None:
    assert next_status(current, action, party) is expected


def test_terminal_statuses_have_no_way_out_and_open_ones_can_be_withdrawn() -> None:
    for current in ReferralStatus:
        moves = [a for a in ReferralAction for p in Party if next_status(current, a, p) is not None]
        if current in OPEN_STATUSES:
            assert ReferralAction.WITHDRAW in moves, current
        else:
            assert moves == [], current


def test_only_a_sent_referral_waits_for_an_answer() -> None:
    assert {ReferralStatus.SENT} == AWAITING_ANSWER
    assert AWAITING_ANSWER <= OPEN_STATUSES


def test_every_status_has_a_japanese_label() -> None:
    assert set(REFERRAL_STATUS_LABELS) == set(ReferralStatus)
    assert REFERRAL_STATUS_LABELS[ReferralStatus.SENT] == "依頼中"


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (ReferralAction.ACCEPT, False),
        (ReferralAction.DECLINE, True),  # why it was declined
        (ReferralAction.START, False),
        (ReferralAction.COMPLETE, True),  # the report back closes the loop
        (ReferralAction.WITHDRAW, True),  # why it was withdrawn
    ],
)
def test_needs_reason(action: ReferralAction, expected: bool) -> None:
    assert needs_reason(action) is expected
    assert set(REFERRAL_ACTIONS) == set(ReferralAction)


# ---------------------------------------------------------------- overdue


@pytest.mark.parametrize(
    ("status", "due", "expected"),
    [
        (ReferralStatus.SENT, None, False),  # no due date, never overdue
        (ReferralStatus.SENT, TODAY + timedelta(days=1), False),
        (ReferralStatus.SENT, TODAY, False),  # due today: still in time
        (ReferralStatus.SENT, TODAY - timedelta(days=1), True),  # the day after: overdue
        (ReferralStatus.SENT, TODAY - timedelta(days=400), True),
        (ReferralStatus.ACCEPTED, TODAY - timedelta(days=1), False),  # answered
        (ReferralStatus.DECLINED, TODAY - timedelta(days=1), False),
        (ReferralStatus.IN_PROGRESS, TODAY - timedelta(days=1), False),
        (ReferralStatus.COMPLETED, TODAY - timedelta(days=1), False),
        (ReferralStatus.WITHDRAWN, TODAY - timedelta(days=1), False),
    ],
)
def test_is_overdue(status: ReferralStatus, due: date | None, expected: bool) -> None:
    assert is_overdue(ReferralFacts(status=status, due_date=due), TODAY) is expected


# ---------------------------------------------------------------- who reads, who acts

ORG = "hokatsu_1"
OTHER = "koreifukushi"


def principal(*roles: Role, org: str | None = ORG) -> Principal:
    dept = Dept.AGENCY if Role.AGENCY in roles else Dept.WELFARE
    return Principal(
        sub="u1",
        kind=PrincipalKind.USER,
        org=org,
        dept=dept,
        roles=frozenset(roles),
        scopes=frozenset(),
    )


@pytest.mark.parametrize(
    ("who", "to_org", "case_readable", "expected"),
    [
        (principal(Role.AGENCY), ORG, False, True),  # the addressed org, without the case
        (principal(Role.AGENCY), ORG, True, True),
        (principal(Role.AGENCY), OTHER, False, False),  # neither side
        (principal(Role.STAFF, org=OTHER), ORG, True, True),  # the sender side
        (principal(Role.STAFF, org=OTHER), ORG, False, False),
        (principal(Role.STAFF, org=None), ORG, False, False),  # no org: no inbox
        (principal(Role.ADMIN, org=ORG), ORG, False, False),  # admins never read content
        (principal(Role.AUDITOR, org=ORG), ORG, True, False),
    ],
)
def test_can_read_referral(
    who: Principal, to_org: str, case_readable: bool, expected: bool
) -> None:
    assert can_read_referral(who, to_org, case_readable=case_readable) is expected


@pytest.mark.parametrize(
    ("who", "to_org", "can_send", "expected"),
    [
        (principal(Role.AGENCY), ORG, False, {Party.RECIPIENT}),
        (principal(Role.STAFF, org=OTHER), ORG, True, {Party.SENDER}),
        (principal(Role.STAFF, org=OTHER), ORG, False, set()),
        # The addressed org, once on the team with consent, may edit the case, yet never
        # withdraws what was addressed to it.
        (principal(Role.AGENCY), ORG, True, {Party.RECIPIENT}),
        (principal(Role.ADMIN, org=ORG), ORG, True, set()),
    ],
)
def test_referral_parties(
    who: Principal, to_org: str, can_send: bool, expected: set[Party]
) -> None:
    assert referral_parties(who, to_org, can_send=can_send) == expected


def test_allowed_actions_agree_with_the_table() -> None:
    for current in ReferralStatus:
        for parties in (
            frozenset(),
            frozenset({Party.RECIPIENT}),
            frozenset({Party.SENDER}),
            frozenset(Party),
        ):
            expected = {
                action
                for st, party, action, target in CELLS
                if st is current and party in parties and target is not None
            }
            got = allowed_actions(current, parties)
            assert set(got) == expected, (current, parties)
            assert got == [a for a in ReferralAction if a in expected]  # declaration order
