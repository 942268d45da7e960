import { describe, expect, it } from 'vitest';
import { addDays, ageOn, fiscalYearLabel, fiscalYearMonths, fiscalYearOf, formatDate, formatDateTime, formatMonth, monthGrid, todayIso } from './dates';

describe('Japanese era dates', () => {
  it('writes a plain date in the era staff use', () => {
    expect(formatDate('2024-02-26')).toBe('令和6年2月26日');
  });
  it('writes the first year of an era as 元年 and knows where eras change', () => {
    expect(formatDate('2019-05-01')).toBe('令和元年5月1日');
    expect(formatDate('2019-04-30')).toBe('平成31年4月30日');
    expect(formatDate('1989-01-08')).toBe('平成元年1月8日');
  });
  it('adds the weekday on request', () => {
    expect(formatDate('2024-02-13', 'ja', { weekday: true })).toBe('令和6年2月13日(火)');
  });
  it('never shifts a plain date with the time zone', () => {
    // 2024-02-26 at any hour in Japan is still the 26th.
    expect(formatDate('2024-02-26', 'en')).toBe('26 Feb 2024');
  });
  it('shows instants in Japan time', () => {
    // 15:30 UTC on the 25th is 00:30 on the 26th in Tokyo.
    expect(formatDateTime('2024-02-25T15:30:00Z')).toBe('令和6年2月26日 00:30');
    expect(formatDateTime('2024-02-25T15:30:00Z', 'en')).toBe('26 Feb 2024, 00:30');
  });
  it('writes months in the era too', () => {
    expect(formatMonth(2024, 2)).toBe('令和6年2月');
    expect(formatMonth(2024, 2, 'en')).toBe('February 2024');
  });
  it('gives nothing for no date', () => {
    expect(formatDate(null)).toBe('');
    expect(formatDate('')).toBe('');
  });
});

describe('calendar arithmetic', () => {
  it('starts the fiscal year in April', () => {
    expect(fiscalYearOf('2024-03-31')).toBe(2023);
    expect(fiscalYearOf('2024-04-01')).toBe(2024);
  });
  it('adds days across months and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2024-01-01', -1)).toBe('2023-12-31');
  });
  it("takes today's date in Japan, not in UTC", () => {
    expect(todayIso(new Date('2024-02-25T16:00:00Z'))).toBe('2024-02-26');
  });
  it('lays a month out in Monday-first weeks', () => {
    const grid = monthGrid(2024, 2); // 1 Feb 2024 was a Thursday
    expect(grid[0]).toEqual([null, null, null, '2024-02-01', '2024-02-02', '2024-02-03', '2024-02-04']);
    expect(grid.flat().filter(Boolean)).toHaveLength(29);
    expect(grid.every((w) => w.length === 7)).toBe(true);
  });
  it('counts age in whole years', () => {
    expect(ageOn('1974-06-03', '2024-06-02')).toBe(49);
    expect(ageOn('1974-06-03', '2024-06-03')).toBe(50);
  });
});

describe('fiscal years', () => {
  it('names a fiscal year by the era year it starts in', () => {
    expect(fiscalYearLabel(2023)).toBe('令和5年度');
    expect(fiscalYearLabel(2019)).toBe('令和元年度');
    expect(fiscalYearLabel(2018)).toBe('平成30年度');
    expect(fiscalYearLabel(2023, 'en')).toBe('FY2023');
  });
  it('lists its months from April to March', () => {
    const months = fiscalYearMonths(2023);
    expect(months).toHaveLength(12);
    expect(months[0]).toBe('2023-04');
    expect(months[8]).toBe('2023-12');
    expect(months[9]).toBe('2024-01');
    expect(months[11]).toBe('2024-03');
  });
});
