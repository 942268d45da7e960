import { describe, expect, it } from 'vitest';
import { doesCaseWork, fixedReportDepartment, mayReadMeetingStatistics, mayRunReports, mayScreen, mayVisit, mayWritePlans, navItems, schedulableKinds } from './nav';

const CASE_SCOPES = ['cases:read', 'cases:write', 'master:read', 'referrals:write'];
const keys = (p: Parameters<typeof navItems>[0]) => navItems(p).map((i) => i.key);

describe('role-based navigation', () => {
  it('gives city staff the case work and nothing of administration', () => {
    const staff = { roles: ['staff'], scopes: [...CASE_SCOPES, 'consent:write'], dept: 'welfare' };
    expect(keys(staff)).toEqual(['dashboard', 'cases', 'intake', 'referrals', 'meetings']);
    expect(mayVisit(staff, 'admin')).toBe(false);
    expect(mayScreen(staff)).toBe(false);
  });

  it('gives coordinators screening, and the secretariat the audit log as well', () => {
    expect(keys({ roles: ['coordinator'], scopes: [...CASE_SCOPES, 'consent:write'] })).toEqual(['dashboard', 'cases', 'intake', 'referrals', 'meetings', 'requests']);
    expect(keys({ roles: ['secretariat'], scopes: [...CASE_SCOPES, 'consent:write', 'audit:read'] })).toEqual(['dashboard', 'cases', 'intake', 'referrals', 'meetings', 'requests', 'reports', 'audit']);
  });

  it('shows admins the admin menu and no case screens', () => {
    const admin = { roles: ['admin'], scopes: ['admin', 'master:read'] };
    expect(keys(admin)).toEqual(['dashboard', 'admin']);
    expect(doesCaseWork(admin)).toBe(false);
  });

  it('shows auditors the audit log only', () => {
    expect(keys({ roles: ['auditor'], scopes: ['audit:read', 'master:read'] })).toEqual(['dashboard', 'audit']);
  });

  it('never shows case content to an admin who also holds a case role', () => {
    expect(doesCaseWork({ roles: ['staff', 'admin'], scopes: CASE_SCOPES })).toBe(false);
    expect(keys({ roles: ['staff', 'admin'], scopes: ['admin', ...CASE_SCOPES] })).not.toContain('cases');
  });

  it('follows the scopes: no cases:write, no intake', () => {
    expect(keys({ roles: ['agency'], scopes: ['cases:read', 'master:read', 'referrals:write'] })).not.toContain('intake');
    expect(keys(null)).toEqual([]);
  });

  it('offers only the meetings a role may schedule', () => {
    expect(schedulableKinds({ roles: ['coordinator'], scopes: [] })).toEqual(['multi_agency']);
    expect(schedulableKinds({ roles: ['secretariat'], scopes: [] })).toEqual(['support', 'multi_agency', 'staff', 'coordination']);
    expect(schedulableKinds({ roles: ['director'], scopes: [], dept: 'health' })).toEqual(['emergency']);
    expect(schedulableKinds({ roles: ['director'], scopes: [], dept: 'welfare' })).toEqual([]);
    expect(schedulableKinds({ roles: ['agency'], scopes: [] })).toEqual([]);
    expect(mayWritePlans({ roles: ['staff'], scopes: [] })).toBe(false);
    expect(mayWritePlans({ roles: ['coordinator'], scopes: [] })).toBe(true);
  });

  it('offers reports to the secretariat and to managers and directors of the 4部 only', () => {
    const secretariat = { roles: ['secretariat'], scopes: CASE_SCOPES, dept: 'health' };
    expect(mayRunReports(secretariat)).toBe(true);
    expect(fixedReportDepartment(secretariat)).toBeNull();
    expect(mayReadMeetingStatistics(secretariat)).toBe(true);
    const manager = { roles: ['manager'], scopes: CASE_SCOPES, dept: 'welfare' };
    expect(keys(manager)).toContain('reports');
    expect(fixedReportDepartment(manager)).toBe('welfare');
    expect(mayReadMeetingStatistics(manager)).toBe(false);
    expect(mayRunReports({ roles: ['director'], scopes: CASE_SCOPES, dept: 'education' })).toBe(true);
    expect(mayRunReports({ roles: ['manager'], scopes: CASE_SCOPES, dept: 'shakyo' })).toBe(false);
    expect(keys({ roles: ['staff'], scopes: CASE_SCOPES, dept: 'welfare' })).not.toContain('reports');
    expect(mayRunReports({ roles: ['chief'], scopes: CASE_SCOPES, dept: 'welfare' })).toBe(false);
    expect(mayRunReports({ roles: ['coordinator'], scopes: CASE_SCOPES })).toBe(false);
    expect(mayRunReports({ roles: ['agency'], scopes: CASE_SCOPES })).toBe(false);
    expect(mayRunReports({ roles: ['auditor'], scopes: ['audit:read'] })).toBe(false);
  });
});
