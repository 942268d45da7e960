"""The life of a case: which status may follow which (受付 → … → 終結 / 中断)."""

import pytest

from domain.case_status import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    STATUS_LABELS,
    CaseStatus,
    can_transition,
    is_terminal,
)

# Rows: the current status; columns: the target. y = allowed, . = refused.
TRANSITIONS = """
from        received screening assessment in_support monitoring closed suspended
received    .        y         .          .          .          y      y
screening   .        .         y          .          .          y      y
assessment  .        .         .          y          .          y      y
in_support  .        .         .          .          y          y      y
monitoring  .        .         .          y          .          y      y
suspended   .        .         y          y          .          y      .
closed      .        .         .          .          .          .      .
"""


def parse_transitions() -> list[tuple[CaseStatus, CaseStatus, bool]]:
    header, *rows = TRANSITIONS.strip().splitlines()
    targets = [CaseStatus(name) for name in header.split()[1:]]
    cells = []
    for row in rows:
        current, *marks = row.split()
        cells += [
            (CaseStatus(current), target, mark == "y")
            for target, mark in zip(targets, marks, strict=True)
        ]
    return cells


CELLS = parse_transitions()


def test_transition_table_covers_the_whole_7_by_7_grid() -> None:
    assert len(CELLS) == len(CaseStatus) ** 2 == 49
    assert {(current, target) for current, target, _ in CELLS} == {
        (a, b) for a in CaseStatus for b in CaseStatus
    }


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [pytest.param(c, t, a, id=f"{c}->{t}") for c, t, a in CELLS],
)
def test_status_may_change_only_along_the_case_life_cycle(
    current: CaseStatus, target: CaseStatus, allowed: bool
) -> None:
    assert can_transition(current, target) is allowed
    assert (target in ALLOWED_TRANSITIONS[current]) is allowed


@pytest.mark.parametrize("status", list(CaseStatus))
def test_only_closed_is_terminal(status: CaseStatus) -> None:
    assert is_terminal(status) is (status is CaseStatus.CLOSED)


@pytest.mark.parametrize("status", sorted(set(CaseStatus) - {CaseStatus.CLOSED}))
def test_every_open_case_may_be_closed(status: CaseStatus) -> None:
    assert can_transition(status, CaseStatus.CLOSED)


@pytest.mark.parametrize("status", list(CaseStatus))
def test_no_status_transitions_to_itself(status: CaseStatus) -> None:
    assert not can_transition(status, status)


def test_a_closed_case_never_reopens() -> None:
    assert not any(can_transition(CaseStatus.CLOSED, target) for target in CaseStatus)


def test_every_status_is_reachable_from_received() -> None:
    reached = {CaseStatus.RECEIVED}
    frontier = [CaseStatus.RECEIVED]
    while frontier:
        for target in ALLOWED_TRANSITIONS[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(CaseStatus)


def test_open_statuses_are_all_but_closed() -> None:
    assert set(CaseStatus) - {CaseStatus.CLOSED} == OPEN_STATUSES


def test_every_status_has_its_japanese_label() -> None:
    assert STATUS_LABELS == {
        CaseStatus.RECEIVED: "受付",
        CaseStatus.SCREENING: "スクリーニング",
        CaseStatus.ASSESSMENT: "アセスメント",
        CaseStatus.IN_SUPPORT: "支援中",
        CaseStatus.MONITORING: "モニタリング",
        CaseStatus.CLOSED: "終結",
        CaseStatus.SUSPENDED: "中断",
    }


def test_status_values_are_the_stored_strings() -> None:
    assert [s.value for s in CaseStatus] == [
        "received",
        "screening",
        "assessment",
        "in_support",
        "monitoring",
        "closed",
        "suspended",
    ]
