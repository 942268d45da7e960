"""The kinds of organisation a case can involve, and what each kind may be used for.

- ``unit``: a 課・係 of the city, or a team of 社協, whose staff use the system.
- ``agency``: a partner agency (支援関係機関) whose staff or own system use the system.
- ``partner``: a partner business of 参加支援 (協力事業所): an employer, shop, farm or café that
  hosts a person for participation or work experience. It has no accounts and reads no case: it
  is named on a 参加支援 item of a support plan so that the city can report how many businesses
  took part, and it is never sent a referral.
"""

from enum import StrEnum


class OrgKind(StrEnum):
    UNIT = "unit"
    AGENCY = "agency"
    PARTNER = "partner"


# The pseudo-department partner businesses belong to (like ``agency`` for the agencies).
PARTNER_DEPARTMENT = "partner"


def has_accounts(kind: OrgKind) -> bool:
    """Users and API clients belong to units and agencies, never to a partner business."""
    return kind is not OrgKind.PARTNER


def takes_referrals(kind: OrgKind) -> bool:
    """A referral (つなぎ) goes to a unit or an agency that works the case, not to a business."""
    return kind is not OrgKind.PARTNER


def does_support_work(kind: OrgKind) -> bool:
    """Only units and agencies are responsible for a plan item; a business hosts, it does not
    carry the support (the unit running 参加支援 does)."""
    return kind is not OrgKind.PARTNER
