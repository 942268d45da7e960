import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import type { components } from '../api/schema';
import { KeyFigures } from './ReportsPage';
import { memberLabel } from './case/sections';
import { worksCases } from '../hooks';

type ReportTable = components['schemas']['ReportTableOut'];

function row(key: string, label: string, total: number | string): ReportTable['rows'][number] {
  return { key, label, labelEn: key, values: { east: total, west: 0, unknown: 0, total } };
}

const overview: ReportTable = {
  id: 'overview',
  title: '実績総括（地区別）',
  titleEn: 'Overview by area',
  rowHeading: '項目',
  columns: [],
  note: '',
  masked: false,
  rows: [
    row('new_consultations', '新規相談受付件数', 12),
    row('outreach_households', 'アウトリーチ 実世帯数', 4),
    row('outreach_contacts', 'アウトリーチ 延べ件数', 9),
    row('outreach_visits', 'アウトリーチ うち訪問件数', 6),
    row('outreach_people', 'アウトリーチ 実人数', 5),
    row('participation_households', '参加支援 実世帯数', 2),
    row('participation_contacts', '参加支援 延べ件数', 7),
    row('participation_people', '参加支援 実人数', 3),
    row('participation_partners', '参加支援 協力事業所数', '＊'),
  ],
};

describe('participation and outreach figures', () => {
  it('shows people, partner businesses and visits from the overview, masked as the server masks them', () => {
    render(<KeyFigures table={overview} />);
    const participation = screen.getByRole('group', { name: '参加支援（第2号）' });
    expect(within(participation).getByTestId('figure-participation_people').textContent).toBe('参加支援 実人数3');
    expect(within(participation).getByTestId('figure-participation_partners').textContent).toBe('参加支援 協力事業所数＊');
    const outreach = screen.getByRole('group', { name: 'アウトリーチ等を通じた継続的支援（第4号）' });
    expect(within(outreach).getByTestId('figure-outreach_people').textContent).toBe('アウトリーチ 実人数5');
    expect(within(outreach).getByTestId('figure-outreach_visits').textContent).toBe('アウトリーチ うち訪問件数6');
    expect(screen.queryByText('新規相談受付件数')).toBeNull();
  });
  it('leaves out a figure an older server does not send', () => {
    render(<KeyFigures table={{ ...overview, rows: overview.rows.filter((r) => r.key !== 'participation_partners') }} />);
    expect(screen.queryByTestId('figure-participation_partners')).toBeNull();
    expect(screen.getByTestId('figure-participation_people')).toBeTruthy();
  });
});

describe('timeline member and partner businesses', () => {
  it('names a member only when the reader may see the name', () => {
    expect(memberLabel({ relationship: '本人', name: '国分 一郎', redacted: false }, '（氏名非表示）')).toBe('本人 国分 一郎');
    expect(memberLabel({ relationship: '母', name: null, redacted: true }, '（氏名非表示）')).toBe('母 （氏名非表示）');
    expect(memberLabel({ relationship: '母', name: 'leaked', redacted: true }, '（氏名非表示）')).not.toContain('leaked');
  });
  it('keeps partner businesses out of the pickers of case work', () => {
    expect(worksCases({ kind: 'unit' })).toBe(true);
    expect(worksCases({ kind: 'agency' })).toBe(true);
    expect(worksCases({ kind: 'partner' })).toBe(false);
  });
});
