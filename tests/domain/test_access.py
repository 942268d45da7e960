"""The access model (docs/access.md), proven role by role and relation by relation.

The central table below is the specification: one row per relation a principal can have to a
case, one column per role. Every decision function is checked against it, so a change to a rule
shows up as a changed cell, not as a forgotten one-off test.
"""

from dataclasses import replace
from datetime import date, timedelta
from itertools import combinations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.access import (
    AGENCY_CLIENT_SCOPES,
    SCOPE_DESCRIPTIONS,
    AuditView,
    CaseFacts,
    Dept,
    Principal,
    PrincipalKind,
    ReadableCases,
    ReadBasis,
    Role,
    RoleSetError,
    Scope,
    audit_view,
    can_administer,
    can_edit_case,
    can_manage_consent,
    can_open_case,
    can_read_case,
    can_see_member_details,
    can_send_referral,
    check_role_set,
    read_basis,
    readable_cases,
    scopes_for,
)
from domain.consent import ConsentDecision, ConsentFacts

FAST = settings(max_examples=150, deadline=None, database=None)

TODAY = date(2026, 6, 15)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)

ORG = "unit-mine"  # the org unit / agency the principal acts for
OTHER_ORG = "unit-other"
SUB = "user-me"
OTHER_SUB = "user-other"
AREA = "east"
OTHER_AREA = "west"

# Each role with a department it may really hold. Every principal carries an area and the same
# sub, so the table also proves that only a coordinator is admitted by area or assignment.
ROLE_DEPT: dict[Role, Dept] = {
    Role.STAFF: Dept.WELFARE,
    Role.CHIEF: Dept.CHILDREN_FAMILY,
    Role.MANAGER: Dept.EDUCATION,
    Role.DIRECTOR: Dept.HEALTH,
    Role.SECRETARIAT: Dept.HEALTH,
    Role.COORDINATOR: Dept.SHAKYO,
    Role.AGENCY: Dept.AGENCY,
    Role.ADMIN: Dept.SYSTEM,
    Role.AUDITOR: Dept.SYSTEM,
}


def principal(
    *roles: Role,
    org: str | None = ORG,
    area: str | None = AREA,
    sub: str = SUB,
    kind: PrincipalKind = PrincipalKind.USER,
) -> Principal:
    return Principal(
        sub=sub,
        kind=kind,
        org=org,
        dept=ROLE_DEPT[roles[0]],
        roles=frozenset(roles),
        scopes=scopes_for(roles),
        area=area,
    )


def consent(**overrides: Any) -> ConsentFacts:
    """The main person's consent: given, in force, naming the principal's org unless overridden."""
    facts = ConsentFacts(
        decision=ConsentDecision.GIVEN,
        withdrawn=False,
        valid_until=None,
        covers_whole_team=False,
        covered_orgs=frozenset({ORG}),
    )
    return replace(facts, **overrides)


# A case that has nothing to do with the principal: another unit opened and leads it, another
# coordinator in the other area has it, another unit is on the team with consent and another
# unit has a referral. Each relation below changes only what makes the relation.
UNRELATED = CaseFacts(
    opened_by_org=OTHER_ORG,
    lead_org=OTHER_ORG,
    coordinator_sub=OTHER_SUB,
    area=OTHER_AREA,
    active_team_orgs=frozenset({OTHER_ORG}),
    main_consent=consent(covered_orgs=frozenset({OTHER_ORG})),
    open_referral_orgs=frozenset({OTHER_ORG}),
)
ON_TEAM = frozenset({OTHER_ORG, ORG})

RELATIONS: dict[str, CaseFacts] = {
    "opened_it": replace(UNRELATED, opened_by_org=ORG),
    "lead": replace(UNRELATED, lead_org=ORG),
    "opened_consent_withdrawn": replace(
        UNRELATED, opened_by_org=ORG, main_consent=consent(withdrawn=True)
    ),
    "lead_consent_withdrawn": replace(
        UNRELATED, lead_org=ORG, main_consent=consent(withdrawn=True)
    ),
    "team_consent_names_org": replace(UNRELATED, active_team_orgs=ON_TEAM, main_consent=consent()),
    "team_consent_whole_team": replace(
        UNRELATED,
        active_team_orgs=ON_TEAM,
        main_consent=consent(covers_whole_team=True, covered_orgs=frozenset()),
    ),
    "team_consent_until_today": replace(
        UNRELATED, active_team_orgs=ON_TEAM, main_consent=consent(valid_until=TODAY)
    ),
    "team_consent_until_later": replace(
        UNRELATED, active_team_orgs=ON_TEAM, main_consent=consent(valid_until=TOMORROW)
    ),
    "team_no_consent": replace(UNRELATED, active_team_orgs=ON_TEAM, main_consent=None),
    "team_consent_refused": replace(
        UNRELATED,
        active_team_orgs=ON_TEAM,
        main_consent=consent(decision=ConsentDecision.REFUSED, covered_orgs=frozenset()),
    ),
    "team_consent_withdrawn": replace(
        UNRELATED, active_team_orgs=ON_TEAM, main_consent=consent(withdrawn=True)
    ),
    "team_consent_expired": replace(
        UNRELATED, active_team_orgs=ON_TEAM, main_consent=consent(valid_until=YESTERDAY)
    ),
    "team_consent_other_org": replace(
        UNRELATED,
        active_team_orgs=ON_TEAM,
        main_consent=consent(covered_orgs=frozenset({OTHER_ORG})),
    ),
    # Consent names the org, but its team membership has ended (not in the active team).
    "team_not_active": replace(
        UNRELATED, main_consent=consent(covered_orgs=frozenset({ORG, OTHER_ORG}))
    ),
    "coordinator_assigned": replace(UNRELATED, coordinator_sub=SUB),
    "coordinator_same_area": replace(UNRELATED, area=AREA),
    "coordinator_other_area": replace(UNRELATED, coordinator_sub=None, area=OTHER_AREA),
    "open_referral_only": replace(UNRELATED, open_referral_orgs=frozenset({ORG})),
    "referral_team_no_consent": replace(
        UNRELATED,
        active_team_orgs=ON_TEAM,
        main_consent=None,
        open_referral_orgs=frozenset({ORG}),
    ),
    "unrelated": UNRELATED,
}

# S = rule 1 (secretariat), C = rule 2 (coordinator), O = rule 3 (opened it / lead),
# T = rule 4 (active team + valid consent), R = rule 5 (open referral: referral only), - = none.
# A trailing * means the principal may also record or withdraw consent on the case.
ACCESS_TABLE = """
relation                  staff chief manager director secretariat coordinator agency admin auditor
opened_it                 O     O     O       O        S*          O*          O      -     -
lead                      O*    O*    O*      O*       S*          O*          O*     -     -
opened_consent_withdrawn  O     O     O       O        S*          O*          O      -     -
lead_consent_withdrawn    O*    O*    O*      O*       S*          O*          O*     -     -
team_consent_names_org    T     T     T       T        S*          T*          T      -     -
team_consent_whole_team   T     T     T       T        S*          T*          T      -     -
team_consent_until_today  T     T     T       T        S*          T*          T      -     -
team_consent_until_later  T     T     T       T        S*          T*          T      -     -
team_no_consent           -     -     -       -        S*          -           -      -     -
team_consent_refused      -     -     -       -        S*          -           -      -     -
team_consent_withdrawn    -     -     -       -        S*          -           -      -     -
team_consent_expired      -     -     -       -        S*          -           -      -     -
team_consent_other_org    -     -     -       -        S*          -           -      -     -
team_not_active           -     -     -       -        S*          -           -      -     -
coordinator_assigned      -     -     -       -        S*          C*          -      -     -
coordinator_same_area     -     -     -       -        S*          C*          -      -     -
coordinator_other_area    -     -     -       -        S*          -           -      -     -
open_referral_only        R     R     R       R        S*          R           R      -     -
referral_team_no_consent  R     R     R       R        S*          R           R      -     -
unrelated                 -     -     -       -        S*          -           -      -     -
"""

BASIS_CODES: dict[str, ReadBasis | None] = {
    "S": ReadBasis.SECRETARIAT,
    "C": ReadBasis.COORDINATOR,
    "O": ReadBasis.OPENER_OR_LEAD,
    "T": ReadBasis.CONSENTED_TEAM,
    "R": ReadBasis.OPEN_REFERRAL,
    "-": None,
}
FULL_READ_CODES = frozenset("SCOT")


def parse_access_table() -> list[tuple[Role, str, str]]:
    header, *rows = ACCESS_TABLE.strip().splitlines()
    roles = [Role(name) for name in header.split()[1:]]
    cells = []
    for row in rows:
        relation, *codes = row.split()
        assert len(codes) == len(roles), row
        cells += [(role, relation, code) for role, code in zip(roles, codes, strict=True)]
    return cells


ACCESS_CELLS = parse_access_table()
ACCESS_PARAMS = [
    pytest.param(role, relation, code, id=f"{role}-{relation}")
    for role, relation, code in ACCESS_CELLS
]


def test_access_table_covers_every_role_and_every_relation() -> None:
    assert {role for role, _, _ in ACCESS_CELLS} == set(Role)
    assert {relation for _, relation, _ in ACCESS_CELLS} == set(RELATIONS)
    assert len(ACCESS_CELLS) == len(Role) * len(RELATIONS)
    assert {code.rstrip("*") for _, _, code in ACCESS_CELLS} <= set(BASIS_CODES)


@pytest.mark.parametrize(("role", "relation", "code"), ACCESS_PARAMS)
def test_read_basis_is_the_strongest_rule_that_admits_the_role(
    role: Role, relation: str, code: str
) -> None:
    p = principal(role)
    assert read_basis(p, RELATIONS[relation], TODAY) is BASIS_CODES[code.rstrip("*")]


@pytest.mark.parametrize(("role", "relation", "code"), ACCESS_PARAMS)
def test_only_rules_1_to_4_let_a_principal_read_the_case(
    role: Role, relation: str, code: str
) -> None:
    expected = code.rstrip("*") in FULL_READ_CODES
    assert can_read_case(principal(role), RELATIONS[relation], TODAY) is expected


@pytest.mark.parametrize(("role", "relation", "code"), ACCESS_PARAMS)
def test_whoever_reads_by_rules_1_to_4_may_edit_and_send_referrals_and_nobody_else(
    role: Role, relation: str, code: str
) -> None:
    expected = code.rstrip("*") in FULL_READ_CODES
    p, case = principal(role), RELATIONS[relation]
    assert can_edit_case(p, case, TODAY) is expected
    assert can_send_referral(p, case, TODAY) is expected


@pytest.mark.parametrize(("role", "relation", "code"), ACCESS_PARAMS)
def test_consent_is_managed_by_coordinator_secretariat_or_lead_unit_that_can_read(
    role: Role, relation: str, code: str
) -> None:
    expected = code.endswith("*")
    assert can_manage_consent(principal(role), RELATIONS[relation], TODAY) is expected


@pytest.mark.parametrize(("relation", "case"), RELATIONS.items(), ids=list(RELATIONS))
def test_agency_integration_client_is_judged_exactly_like_an_agency_user(
    relation: str, case: CaseFacts
) -> None:
    user = principal(Role.AGENCY)
    client = principal(Role.AGENCY, kind=PrincipalKind.CLIENT)
    for decide in (read_basis, can_read_case, can_edit_case, can_manage_consent):
        assert decide(client, case, TODAY) == decide(user, case, TODAY)


# --- Named cases of the rules, written out for the reader -------------------------------------


def test_agency_on_team_without_consent_cannot_read_case() -> None:
    case = RELATIONS["team_no_consent"]
    agency = principal(Role.AGENCY)
    assert read_basis(agency, case, TODAY) is None
    assert not can_read_case(agency, case, TODAY)


def test_withdrawn_consent_stops_team_access_at_once() -> None:
    before = RELATIONS["team_consent_names_org"]
    after = replace(before, main_consent=consent(withdrawn=True))
    for role in (Role.STAFF, Role.AGENCY, Role.COORDINATOR):
        p = principal(role)
        assert can_read_case(p, before, TODAY)
        assert not can_read_case(p, after, TODAY)
        assert not can_edit_case(p, after, TODAY)


def test_consent_valid_until_today_still_admits_team_and_stops_the_next_day() -> None:
    case = RELATIONS["team_consent_until_today"]
    agency = principal(Role.AGENCY)
    assert read_basis(agency, case, TODAY) is ReadBasis.CONSENTED_TEAM
    assert read_basis(agency, case, TOMORROW) is None


def test_admin_never_reads_case_content_even_as_opener() -> None:
    admin = principal(Role.ADMIN)
    everything = replace(
        UNRELATED,
        opened_by_org=ORG,
        lead_org=ORG,
        coordinator_sub=SUB,
        area=AREA,
        active_team_orgs=ON_TEAM,
        main_consent=consent(covers_whole_team=True),
        open_referral_orgs=frozenset({ORG}),
    )
    assert read_basis(admin, everything, TODAY) is None
    assert not can_read_case(admin, everything, TODAY)
    assert not can_edit_case(admin, everything, TODAY)
    assert not can_manage_consent(admin, everything, TODAY)


@pytest.mark.parametrize("no_content_role", [Role.ADMIN, Role.AUDITOR])
@pytest.mark.parametrize("case_role", sorted(set(Role) - {Role.ADMIN, Role.AUDITOR}))
def test_admin_or_auditor_role_removes_case_access_whatever_else_is_held(
    no_content_role: Role, case_role: Role
) -> None:
    p = principal(case_role, no_content_role)
    for case in RELATIONS.values():
        assert read_basis(p, case, TODAY) is None
    assert not can_open_case(p)
    assert readable_cases(p).nothing


def test_open_referral_shows_the_referral_only_until_accepted_with_consent() -> None:
    agency = principal(Role.AGENCY)
    referred = RELATIONS["referral_team_no_consent"]
    assert read_basis(agency, referred, TODAY) is ReadBasis.OPEN_REFERRAL
    assert not can_read_case(agency, referred, TODAY)
    assert not can_edit_case(agency, referred, TODAY)
    accepted = replace(referred, main_consent=consent(), open_referral_orgs=frozenset())
    assert read_basis(agency, accepted, TODAY) is ReadBasis.CONSENTED_TEAM
    assert can_read_case(agency, accepted, TODAY)


def test_strongest_rule_wins_when_several_apply() -> None:
    all_rules = replace(
        UNRELATED,
        opened_by_org=ORG,
        coordinator_sub=SUB,
        area=AREA,
        active_team_orgs=ON_TEAM,
        main_consent=consent(),
        open_referral_orgs=frozenset({ORG}),
    )
    assert read_basis(principal(Role.SECRETARIAT), all_rules, TODAY) is ReadBasis.SECRETARIAT
    assert read_basis(principal(Role.COORDINATOR), all_rules, TODAY) is ReadBasis.COORDINATOR
    assert read_basis(principal(Role.STAFF), all_rules, TODAY) is ReadBasis.OPENER_OR_LEAD
    team_and_referral = replace(all_rules, opened_by_org=OTHER_ORG)
    assert read_basis(principal(Role.STAFF), team_and_referral, TODAY) is (ReadBasis.CONSENTED_TEAM)


def test_principal_without_org_is_not_matched_by_a_case_without_opener_or_lead() -> None:
    orphan = CaseFacts(
        opened_by_org=None,
        lead_org=None,
        coordinator_sub=None,
        area=None,
        active_team_orgs=frozenset(),
        main_consent=consent(covers_whole_team=True),
        open_referral_orgs=frozenset(),
    )
    for role in (Role.STAFF, Role.AGENCY, Role.COORDINATOR):
        assert read_basis(principal(role, org=None, area=None), orphan, TODAY) is None


def test_coordinator_without_area_is_not_admitted_to_cases_without_area() -> None:
    no_area = replace(UNRELATED, area=None, coordinator_sub=None)
    coordinator = principal(Role.COORDINATOR, area=None)
    assert read_basis(coordinator, no_area, TODAY) is None


def test_coordinator_assigned_to_a_case_reads_it_in_any_area() -> None:
    case = replace(UNRELATED, coordinator_sub=SUB, area=OTHER_AREA)
    assert read_basis(principal(Role.COORDINATOR), case, TODAY) is ReadBasis.COORDINATOR


def test_coordinator_of_another_area_and_not_assigned_reads_nothing() -> None:
    coordinator = principal(Role.COORDINATOR, sub="user-west", area=OTHER_AREA)
    case = replace(UNRELATED, area=AREA, coordinator_sub=SUB)
    assert not can_read_case(coordinator, case, TODAY)


# --- Household members' details (rule 4 readers see consenting members only) -----------------

MEMBER_CONSENTS: dict[str, ConsentFacts | None] = {
    "none": None,
    "covers_reader": consent(),
    "whole_team": consent(covers_whole_team=True, covered_orgs=frozenset()),
    "until_today": consent(valid_until=TODAY),
    "expired": consent(valid_until=YESTERDAY),
    "withdrawn": consent(withdrawn=True),
    "refused": consent(decision=ConsentDecision.REFUSED, covered_orgs=frozenset()),
    "other_org": consent(covered_orgs=frozenset({OTHER_ORG})),
}

# y = the member's name and notes are shown, . = the member appears redacted.
MEMBER_TABLE = """
basis           none covers_reader whole_team until_today expired withdrawn refused other_org
secretariat     y    y             y          y           y       y         y       y
coordinator     y    y             y          y           y       y         y       y
opener_or_lead  y    y             y          y           y       y         y       y
consented_team  .    y             y          y           .       .         .       .
open_referral   .    .             .          .           .       .         .       .
"""


def parse_member_table() -> list[tuple[ReadBasis, str, bool]]:
    header, *rows = MEMBER_TABLE.strip().splitlines()
    variants = header.split()[1:]
    cells = []
    for row in rows:
        basis, *marks = row.split()
        cells += [
            (ReadBasis(basis), variant, mark == "y")
            for variant, mark in zip(variants, marks, strict=True)
        ]
    return cells


MEMBER_CELLS = parse_member_table()


def test_member_table_covers_every_basis_and_consent_variant() -> None:
    assert {basis for basis, _, _ in MEMBER_CELLS} == set(ReadBasis)
    assert {variant for _, variant, _ in MEMBER_CELLS} == set(MEMBER_CONSENTS)


@pytest.mark.parametrize(
    ("basis", "variant", "expected"),
    [pytest.param(b, v, e, id=f"{b}-{v}") for b, v, e in MEMBER_CELLS],
)
def test_rule_4_readers_see_a_member_only_with_that_members_covering_consent(
    basis: ReadBasis, variant: str, expected: bool
) -> None:
    assert can_see_member_details(basis, MEMBER_CONSENTS[variant], ORG, TODAY) is expected


def test_rule_4_reader_without_org_sees_no_member_details() -> None:
    whole_team = MEMBER_CONSENTS["whole_team"]
    assert not can_see_member_details(ReadBasis.CONSENTED_TEAM, whole_team, None, TODAY)


def test_member_consent_valid_until_today_stops_showing_details_the_next_day() -> None:
    until_today = MEMBER_CONSENTS["until_today"]
    assert can_see_member_details(ReadBasis.CONSENTED_TEAM, until_today, ORG, TODAY)
    assert not can_see_member_details(ReadBasis.CONSENTED_TEAM, until_today, ORG, TOMORROW)


# --- Intake, administration, audit log, scopes ------------------------------------------------

OPENS_CASES = {
    Role.STAFF: True,
    Role.CHIEF: True,
    Role.MANAGER: True,
    Role.DIRECTOR: True,
    Role.SECRETARIAT: True,
    Role.COORDINATOR: True,
    Role.AGENCY: True,
    Role.ADMIN: False,
    Role.AUDITOR: False,
}


@pytest.mark.parametrize(("role", "expected"), OPENS_CASES.items(), ids=list(OPENS_CASES))
def test_intake_is_open_to_city_staff_secretariat_coordinators_and_agencies(
    role: Role, expected: bool
) -> None:
    assert can_open_case(principal(role)) is expected


def all_role_sets() -> list[frozenset[Role]]:
    roles = list(Role)
    return [frozenset(c) for n in range(len(roles) + 1) for c in combinations(roles, n)]


def test_intake_needs_a_case_role_and_neither_admin_nor_auditor_for_every_role_set() -> None:
    case_roles = {Role.STAFF, Role.CHIEF, Role.MANAGER, Role.DIRECTOR}
    case_roles |= {Role.SECRETARIAT, Role.COORDINATOR, Role.AGENCY}
    for roles in all_role_sets():
        expected = bool(roles & case_roles) and not roles & {Role.ADMIN, Role.AUDITOR}
        p = replace(principal(Role.STAFF), roles=roles)
        assert can_open_case(p) is expected, roles


@pytest.mark.parametrize("role", list(Role))
def test_only_admin_administers_users_units_agencies_and_towns(role: Role) -> None:
    assert can_administer(principal(role)) is (role is Role.ADMIN)


AUDIT_VIEWS: dict[Role, AuditView | None] = {
    Role.STAFF: None,
    Role.CHIEF: None,
    Role.MANAGER: None,
    Role.DIRECTOR: None,
    Role.SECRETARIAT: AuditView.READABLE_CASES,
    Role.COORDINATOR: None,
    Role.AGENCY: None,
    Role.ADMIN: None,
    Role.AUDITOR: AuditView.ALL,
}


@pytest.mark.parametrize(("role", "expected"), AUDIT_VIEWS.items(), ids=list(AUDIT_VIEWS))
def test_auditor_reads_whole_log_and_secretariat_only_its_readable_cases(
    role: Role, expected: AuditView | None
) -> None:
    assert audit_view(principal(role)) is expected


def test_auditor_reads_whole_log_whatever_else_it_holds() -> None:
    assert audit_view(principal(Role.AUDITOR, Role.SECRETARIAT)) is AuditView.ALL
    assert audit_view(principal(Role.AUDITOR, Role.ADMIN)) is AuditView.ALL


def test_secretariat_mixed_with_admin_loses_its_audit_view_with_its_case_access() -> None:
    assert audit_view(principal(Role.SECRETARIAT, Role.ADMIN)) is None


def test_secretariat_audit_view_covers_exactly_the_cases_it_can_read() -> None:
    secretariat = principal(Role.SECRETARIAT)
    assert readable_cases(secretariat) == ReadableCases(everything=True)
    assert all(can_read_case(secretariat, case, TODAY) for case in RELATIONS.values())


CASE_WORK = {"cases:read", "cases:write", "referrals:write", "master:read"}
SCOPES_BY_ROLE: dict[Role, set[str]] = {
    Role.STAFF: CASE_WORK | {"consent:write"},
    Role.CHIEF: CASE_WORK | {"consent:write"},
    Role.MANAGER: CASE_WORK | {"consent:write"},
    Role.DIRECTOR: CASE_WORK | {"consent:write"},
    Role.SECRETARIAT: CASE_WORK | {"consent:write", "audit:read"},
    Role.COORDINATOR: CASE_WORK | {"consent:write"},
    Role.AGENCY: CASE_WORK,
    Role.ADMIN: {"admin", "master:read"},
    Role.AUDITOR: {"audit:read", "master:read"},
}


@pytest.mark.parametrize(("role", "expected"), SCOPES_BY_ROLE.items(), ids=list(SCOPES_BY_ROLE))
def test_each_role_is_granted_exactly_its_scopes(role: Role, expected: set[str]) -> None:
    assert scopes_for([role]) == expected


def test_no_roles_grant_no_scopes() -> None:
    assert scopes_for([]) == frozenset()


def test_scopes_of_several_roles_are_the_union_of_each_roles_scopes() -> None:
    assert scopes_for([Role.STAFF, Role.SECRETARIAT]) == (
        SCOPES_BY_ROLE[Role.STAFF] | SCOPES_BY_ROLE[Role.SECRETARIAT]
    )
    assert scopes_for([Role.ADMIN, Role.AUDITOR]) == {"admin", "master:read", "audit:read"}


@pytest.mark.parametrize("no_content_role", [Role.ADMIN, Role.AUDITOR])
def test_admin_or_auditor_with_a_case_role_gets_no_case_scopes(no_content_role: Role) -> None:
    scopes = scopes_for([Role.STAFF, no_content_role])
    assert not scopes & {"cases:read", "cases:write", "referrals:write", "consent:write"}


def test_agency_never_gets_consent_write_neither_as_user_nor_as_client() -> None:
    assert "consent:write" not in scopes_for([Role.AGENCY])
    assert AGENCY_CLIENT_SCOPES == CASE_WORK


def test_scopes_are_plain_strings_ready_for_a_token() -> None:
    for roles in all_role_sets():
        assert all(type(scope) is str for scope in scopes_for(roles))
    assert all(type(scope) is str for scope in AGENCY_CLIENT_SCOPES)


def test_every_scope_has_a_description() -> None:
    assert set(SCOPE_DESCRIPTIONS) == set(Scope)
    assert all(SCOPE_DESCRIPTIONS.values())


# --- Separation of duties: which roles an account may hold together --------------------------

CITY_STAFF = frozenset({Role.STAFF, Role.CHIEF, Role.MANAGER, Role.DIRECTOR})
FOUR_DEPTS = frozenset({Dept.HEALTH, Dept.WELFARE, Dept.CHILDREN_FAMILY, Dept.EDUCATION})


def role_set_allowed(roles: frozenset[Role], dept: Dept, area: str | None) -> bool:
    """access.md's principals, written independently of domain.access."""
    if roles == {Role.AGENCY}:
        return dept is Dept.AGENCY
    if roles == {Role.COORDINATOR}:
        return dept is Dept.SHAKYO and area is not None
    if roles in ({Role.ADMIN}, {Role.AUDITOR}):
        # Not both: whoever administers accounts must not audit their own actions.
        return dept is not Dept.AGENCY
    if roles and roles <= CITY_STAFF | {Role.SECRETARIAT}:
        return dept in FOUR_DEPTS and (Role.SECRETARIAT not in roles or dept is Dept.HEALTH)
    return False


@pytest.mark.parametrize("area", [None, AREA])
@pytest.mark.parametrize("dept", list(Dept))
def test_every_forbidden_role_set_raises_and_every_allowed_one_is_returned(
    dept: Dept, area: str | None
) -> None:
    wrong = []
    for roles in all_role_sets():
        try:
            result = check_role_set(roles, dept, area)
        except RoleSetError:
            if role_set_allowed(roles, dept, area):
                wrong.append(("refused", sorted(roles)))
        else:
            if not role_set_allowed(roles, dept, area) or result != roles:
                wrong.append(("accepted", sorted(roles)))
    assert wrong == []


FORBIDDEN_ROLE_SETS = {
    "no_role": (set(), Dept.HEALTH, None),
    "admin_with_staff": ({Role.ADMIN, Role.STAFF}, Dept.HEALTH, None),
    "admin_with_secretariat": ({Role.ADMIN, Role.SECRETARIAT}, Dept.HEALTH, None),
    "auditor_with_coordinator": ({Role.AUDITOR, Role.COORDINATOR}, Dept.SHAKYO, AREA),
    "auditor_with_agency": ({Role.AUDITOR, Role.AGENCY}, Dept.AGENCY, None),
    "agency_with_staff": ({Role.AGENCY, Role.STAFF}, Dept.AGENCY, None),
    "agency_outside_agency_dept": ({Role.AGENCY}, Dept.WELFARE, None),
    "staff_in_agency_dept": ({Role.STAFF}, Dept.AGENCY, None),
    "admin_in_agency_dept": ({Role.ADMIN}, Dept.AGENCY, None),
    "coordinator_outside_shakyo": ({Role.COORDINATOR}, Dept.WELFARE, AREA),
    "coordinator_without_area": ({Role.COORDINATOR}, Dept.SHAKYO, None),
    "coordinator_with_secretariat": ({Role.COORDINATOR, Role.SECRETARIAT}, Dept.HEALTH, AREA),
    "coordinator_with_staff": ({Role.COORDINATOR, Role.STAFF}, Dept.SHAKYO, AREA),
    "staff_in_shakyo": ({Role.STAFF}, Dept.SHAKYO, None),
    "director_in_system": ({Role.DIRECTOR}, Dept.SYSTEM, None),
    "secretariat_outside_health": ({Role.SECRETARIAT}, Dept.WELFARE, None),
}


@pytest.mark.parametrize(
    ("roles", "dept", "area"), FORBIDDEN_ROLE_SETS.values(), ids=list(FORBIDDEN_ROLE_SETS)
)
def test_forbidden_role_combination_raises_role_set_error(
    roles: set[Role], dept: Dept, area: str | None
) -> None:
    with pytest.raises(RoleSetError):
        check_role_set(roles, dept, area)


ALLOWED_ROLE_SETS = {
    "staff": ({Role.STAFF}, Dept.WELFARE, None),
    "chief_and_staff": ({Role.CHIEF, Role.STAFF}, Dept.CHILDREN_FAMILY, None),
    "manager": ({Role.MANAGER}, Dept.EDUCATION, None),
    "director_of_health": ({Role.DIRECTOR}, Dept.HEALTH, None),
    "secretariat": ({Role.SECRETARIAT}, Dept.HEALTH, None),
    "secretariat_manager": ({Role.SECRETARIAT, Role.MANAGER}, Dept.HEALTH, None),
    "coordinator": ({Role.COORDINATOR}, Dept.SHAKYO, AREA),
    "agency": ({Role.AGENCY}, Dept.AGENCY, None),
    "admin": ({Role.ADMIN}, Dept.SYSTEM, None),
    "auditor": ({Role.AUDITOR}, Dept.SYSTEM, None),
}


@pytest.mark.parametrize(
    ("roles", "dept", "area"), ALLOWED_ROLE_SETS.values(), ids=list(ALLOWED_ROLE_SETS)
)
def test_allowed_role_combination_is_returned_as_a_frozenset(
    roles: set[Role], dept: Dept, area: str | None
) -> None:
    result = check_role_set(list(roles) + list(roles), dept, area)
    assert isinstance(result, frozenset)
    assert result == roles


# --- Properties: the query filter and the single-case rule never disagree ---------------------

ORG_POOL = ("unit-a", "unit-b", "agency-c")
SUB_POOL = ("user-1", "user-2", "user-3")
AREA_POOL = (None, "east", "west")

orgs = st.sampled_from(ORG_POOL)
org_sets = st.frozensets(orgs)
roles_st = st.one_of(
    st.sampled_from(Role).map(lambda r: frozenset({r})),
    st.frozensets(st.sampled_from(Role), max_size=4),
)
principals = st.builds(
    Principal,
    sub=st.sampled_from(SUB_POOL),
    kind=st.sampled_from(PrincipalKind),
    org=st.none() | orgs,
    dept=st.sampled_from(Dept),
    roles=roles_st,
    scopes=st.just(frozenset()),
    area=st.sampled_from(AREA_POOL),
)
todays = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def consents(draw: st.DrawFn, today: date) -> ConsentFacts | None:
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    offset = draw(st.none() | st.integers(min_value=-2, max_value=2))
    return ConsentFacts(
        decision=draw(st.sampled_from(ConsentDecision)),
        withdrawn=draw(st.booleans()),
        valid_until=None if offset is None else today + timedelta(days=offset),
        covers_whole_team=draw(st.booleans()),
        covered_orgs=draw(org_sets),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Principal, CaseFacts, date]:
    today = draw(todays)
    case = CaseFacts(
        opened_by_org=draw(st.none() | orgs),
        lead_org=draw(st.none() | orgs),
        coordinator_sub=draw(st.none() | st.sampled_from(SUB_POOL)),
        area=draw(st.sampled_from(AREA_POOL)),
        active_team_orgs=draw(org_sets),
        main_consent=draw(consents(today)),
        open_referral_orgs=draw(org_sets),
    )
    return draw(principals), case, today


def in_readable_cases(r: ReadableCases, case: CaseFacts, today: date) -> bool:
    """How the SQL filter reads ``ReadableCases`` (a NULL column never equals anything)."""
    c = case.main_consent
    consent_in_force_covers_org = (
        c is not None
        and c.decision == ConsentDecision.GIVEN
        and not c.withdrawn
        and (c.valid_until is None or c.valid_until >= today)
        and (c.covers_whole_team or r.org in c.covered_orgs)
    )
    return (
        r.everything
        or (r.coordinator_sub is not None and r.coordinator_sub == case.coordinator_sub)
        or (r.area is not None and r.area == case.area)
        or (r.org is not None and r.org in (case.opened_by_org, case.lead_org))
        or (r.org is not None and r.org in case.active_team_orgs and consent_in_force_covers_org)
    )


@settings(max_examples=1000, deadline=None, database=None)
@given(scenarios())
def test_single_case_rule_agrees_with_the_readable_cases_query_filter(
    scenario: tuple[Principal, CaseFacts, date],
) -> None:
    p, case, today = scenario
    # Each drawn pair is also tried for every org of the pool and on the days around ``today``,
    # so that the consent's last day and the org comparisons are hit on every example.
    for org in (p.org, None, *ORG_POOL):
        q = replace(p, org=org)
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
            expected = in_readable_cases(readable_cases(q), case, day)
            assert can_read_case(q, case, day) == expected, (q, case, day)


@FAST
@given(scenarios())
def test_a_principal_whose_filter_is_nothing_reads_no_case(
    scenario: tuple[Principal, CaseFacts, date],
) -> None:
    p, case, today = scenario
    if readable_cases(p).nothing:
        assert not can_read_case(p, case, today)


@FAST
@given(scenarios())
def test_editing_referring_and_consent_management_never_exceed_reading(
    scenario: tuple[Principal, CaseFacts, date],
) -> None:
    p, case, today = scenario
    readable = can_read_case(p, case, today)
    assert can_edit_case(p, case, today) == readable
    assert can_send_referral(p, case, today) == readable
    if can_manage_consent(p, case, today):
        assert readable


@FAST
@given(scenarios())
def test_admin_and_auditor_roles_never_yield_a_read_basis(
    scenario: tuple[Principal, CaseFacts, date],
) -> None:
    p, case, today = scenario
    if p.roles & {Role.ADMIN, Role.AUDITOR}:
        assert read_basis(p, case, today) is None


@FAST
@given(scenarios())
def test_open_referral_basis_only_for_an_addressee_without_full_read(
    scenario: tuple[Principal, CaseFacts, date],
) -> None:
    p, case, today = scenario
    if read_basis(p, case, today) is ReadBasis.OPEN_REFERRAL:
        assert p.org in case.open_referral_orgs
        assert not can_read_case(p, case, today)


@FAST
@given(scenarios())
def test_withdrawing_consent_never_grants_access_and_ends_rule_4(
    scenario: tuple[Principal, CaseFacts, date],
) -> None:
    p, case, today = scenario
    if case.main_consent is None:
        return
    withdrawn = replace(case, main_consent=replace(case.main_consent, withdrawn=True))
    assert read_basis(p, withdrawn, today) is not ReadBasis.CONSENTED_TEAM
    if can_read_case(p, withdrawn, today):
        assert can_read_case(p, case, today)
