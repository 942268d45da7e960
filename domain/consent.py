"""本人同意: what a member's consent allows to be shared, and with whom."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ConsentDecision(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"


class ConsentMethod(StrEnum):
    WRITTEN = "written"  # 書面
    ORAL = "oral"  # 口頭


class ConsentGivenBy(StrEnum):
    SELF = "self"  # 本人
    GUARDIAN = "guardian"  # 保護者・成年後見人等


@dataclass(frozen=True)
class ConsentFacts:
    """A member's current consent record, as far as access depends on it."""

    decision: ConsentDecision
    withdrawn: bool
    valid_until: date | None
    covers_whole_team: bool
    covered_orgs: frozenset[str]

    def is_in_force(self, today: date) -> bool:
        """Given, not withdrawn and not expired (valid through its last day)."""
        return (
            self.decision is ConsentDecision.GIVEN
            and not self.withdrawn
            and (self.valid_until is None or today <= self.valid_until)
        )

    def covers(self, org: str | None, today: date) -> bool:
        """Whether information may be shared with ``org`` (assumed to be on the support team)."""
        if org is None or not self.is_in_force(today):
            return False
        return self.covers_whole_team or org in self.covered_orgs


def consent_covers(consent: ConsentFacts | None, org: str | None, today: date) -> bool:
    return consent is not None and consent.covers(org, today)


class ConsentRuleError(ValueError):
    """A consent record that the rules do not allow."""


def check_consent_record(
    *,
    decision: ConsentDecision,
    given_by: ConsentGivenBy,
    guardian_name: str | None,
    decided_on: date,
    valid_until: date | None,
    covers_whole_team: bool,
    covered_orgs: frozenset[str],
    today: date,
) -> None:
    """Raise ConsentRuleError when a consent record is inconsistent."""
    if decided_on > today:
        raise ConsentRuleError("同意日に未来の日付は指定できません。")
    if given_by is ConsentGivenBy.GUARDIAN and not (guardian_name and guardian_name.strip()):
        raise ConsentRuleError("保護者・後見人による同意には、その氏名が必要です。")
    if valid_until is not None and valid_until < decided_on:
        raise ConsentRuleError("有効期限は同意日以降の日付にしてください。")
    if decision is ConsentDecision.GIVEN and not covers_whole_team and not covered_orgs:
        raise ConsentRuleError("同意の範囲（共有してよい機関）を指定してください。")
    if decision is ConsentDecision.REFUSED and (covers_whole_team or covered_orgs):
        raise ConsentRuleError("同意しない場合、共有範囲は指定できません。")
