import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import BarChart, { niceMax } from './BarChart';
import { reportQuery } from '../pages/ReportsPage';

describe('bar chart', () => {
  it('rounds the scale up to a readable figure', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(12)).toBe(20);
    expect(niceMax(230)).toBe(250);
  });
  it('is an image named by its title, with the figures as its description', () => {
    render(<BarChart title="月別の推移" categories={['4月', '5月']} series={[{ label: '新規', values: [2, '＊'] }]} />);
    const img = screen.getByRole('img', { name: '月別の推移' });
    const desc = document.getElementById(img.getAttribute('aria-describedby') ?? '');
    expect(desc?.textContent).toBe('新規: 4月 2、5月 ＊');
    // A masked count is drawn as an empty (outlined) bar.
    const bars = img.querySelectorAll('rect');
    expect(bars).toHaveLength(2);
    expect(bars[1].getAttribute('fill')).toBe('none');
  });
});

describe('report query', () => {
  const base = { fiscalYear: 2023, month: '', department: '' as const, publication: false, threshold: '5' };
  it('sends only what was chosen', () => {
    expect(reportQuery(base, null)).toEqual({ fiscalYear: 2023, month: undefined, department: undefined, publication: undefined, threshold: undefined });
    expect(reportQuery({ ...base, month: '2024-01', department: 'welfare', publication: true, threshold: '10' }, null)).toEqual({ fiscalYear: 2023, month: '2024-01', department: 'welfare', publication: true, threshold: 10 });
  });
  it('fixes a manager to their department and drops an invalid threshold', () => {
    expect(reportQuery({ ...base, department: 'health' }, 'education').department).toBe('education');
    expect(reportQuery({ ...base, publication: true, threshold: '1' }, null).threshold).toBeUndefined();
  });
});
