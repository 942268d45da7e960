/**
 * What the navigation offers, from the roles and scopes GET /me reports (access.md). The API
 * enforces every rule; the menu only leaves out what a role could never use.
 */

export type Role = 'staff' | 'chief' | 'manager' | 'director' | 'secretariat' | 'coordinator' | 'agency' | 'admin' | 'auditor';

export interface Principal {
  roles: readonly string[];
  scopes: readonly string[];
  dept?: string;
}

export type NavKey = 'dashboard' | 'cases' | 'intake' | 'referrals' | 'meetings' | 'requests' | 'reports' | 'admin' | 'audit';

export interface NavItem {
  key: NavKey;
  path: string;
}

const CASE_ROLES: readonly string[] = ['staff', 'chief', 'manager', 'director', 'secretariat', 'coordinator', 'agency'];
const NO_CASE_CONTENT: readonly string[] = ['admin', 'auditor'];

/** Admins and auditors never see case content, whatever other role they hold. */
export function doesCaseWork(p: Principal): boolean {
  return p.roles.some((r) => CASE_ROLES.includes(r)) && !p.roles.some((r) => NO_CASE_CONTENT.includes(r));
}

export function has(p: Principal, role: Role): boolean {
  return p.roles.includes(role);
}

export function hasScope(p: Principal, scope: string): boolean {
  return p.scopes.includes(scope);
}

/** Coordinators and the secretariat screen requests for a meeting. */
export function mayScreen(p: Principal): boolean {
  return doesCaseWork(p) && (has(p, 'coordinator') || has(p, 'secretariat'));
}

/** Coordinators and the secretariat write support plans. */
export function mayWritePlans(p: Principal): boolean {
  return doesCaseWork(p) && (has(p, 'coordinator') || has(p, 'secretariat'));
}

/** The 4部 whose managers and directors run reports on their own department. */
export const REPORT_DEPARTMENTS = ['health', 'welfare', 'children_family', 'education'] as const;
export type ReportDepartment = (typeof REPORT_DEPARTMENTS)[number];

/**
 * Who runs the statistics report (実績報告): the secretariat (the whole city or any one of the
 * 4部), and managers and directors of the 4部 (their own department only).
 */
export function mayRunReports(p: Principal): boolean {
  if (!doesCaseWork(p) || !hasScope(p, 'cases:read')) return false;
  if (has(p, 'secretariat')) return true;
  return (has(p, 'manager') || has(p, 'director')) && (REPORT_DEPARTMENTS as readonly string[]).includes(p.dept ?? '');
}

/** The department a report is fixed to: null when the principal may choose (the secretariat). */
export function fixedReportDepartment(p: Principal): ReportDepartment | null {
  if (has(p, 'secretariat')) return null;
  return (REPORT_DEPARTMENTS as readonly string[]).includes(p.dept ?? '') ? (p.dept as ReportDepartment) : null;
}

/** The meeting statistics (会議の開催実績) are the secretariat's. */
export function mayReadMeetingStatistics(p: Principal): boolean {
  return doesCaseWork(p) && has(p, 'secretariat');
}

/** The meeting kinds a principal may schedule (access.md, "Changing things"). */
export function schedulableKinds(p: Principal): string[] {
  if (!doesCaseWork(p)) return [];
  const kinds: string[] = [];
  if (has(p, 'secretariat')) kinds.push('support', 'multi_agency', 'staff', 'coordination');
  else if (has(p, 'coordinator')) kinds.push('multi_agency');
  if (has(p, 'director') && p.dept === 'health') kinds.push('emergency');
  return kinds;
}

export function navItems(p: Principal | null | undefined): NavItem[] {
  if (!p) return [];
  const items: NavItem[] = [{ key: 'dashboard', path: '/' }];
  if (doesCaseWork(p) && hasScope(p, 'cases:read')) {
    items.push({ key: 'cases', path: '/cases' });
    if (hasScope(p, 'cases:write')) items.push({ key: 'intake', path: '/cases/new' });
    items.push({ key: 'referrals', path: '/referrals' });
    items.push({ key: 'meetings', path: '/meetings' });
  }
  if (mayScreen(p)) items.push({ key: 'requests', path: '/meeting-requests' });
  if (mayRunReports(p)) items.push({ key: 'reports', path: '/reports' });
  if (has(p, 'admin') && hasScope(p, 'admin')) items.push({ key: 'admin', path: '/admin' });
  if (hasScope(p, 'audit:read') && (has(p, 'auditor') || has(p, 'secretariat'))) items.push({ key: 'audit', path: '/audit' });
  return items;
}

/** Whether a route (its nav key) is open to the principal: a guard for direct links. */
export function mayVisit(p: Principal | null | undefined, key: NavKey): boolean {
  return navItems(p).some((i) => i.key === key);
}
