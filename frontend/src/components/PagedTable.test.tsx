import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { PagedTable, useCursorPages } from './PagedTable';
import { codeOptions } from './options';

const PAGES: Record<string, { items: string[]; nextCursor: string | null }> = {
  first: { items: ['a', 'b'], nextCursor: 'c2' },
  c2: { items: [], nextCursor: null },
};

function List() {
  const pages = useCursorPages();
  const data = PAGES[pages.cursor ?? 'first'];
  return (
    <PagedTable query={{ isPending: false, data }} pages={pages} label="一覧" head={['名前', '備考']} empty="ありません" row={(x) => <TableRow key={x}><TableCell>{x}</TableCell><TableCell /></TableRow>} />
  );
}

describe('paged table', () => {
  it('shows a page, pages on with the cursor and back, and says when a page is empty', async () => {
    render(<List />);
    const table = screen.getByRole('table', { name: '一覧' });
    expect(within(table).getAllByRole('columnheader').map((c) => c.textContent)).toEqual(['名前', '備考']);
    expect(within(table).getByText('a')).toBeTruthy();
    const previous = screen.getByRole('button', { name: /previous|前/i });
    expect(previous).toHaveProperty('disabled', true);
    await userEvent.click(screen.getByRole('button', { name: /next|次/i }));
    expect(screen.getByRole('cell', { name: 'ありません' }).getAttribute('colspan')).toBe('2');
    expect(screen.getByRole('button', { name: /next|次/i })).toHaveProperty('disabled', true);
    await userEvent.click(screen.getByRole('button', { name: /previous|前/i }));
    expect(screen.getByText('b')).toBeTruthy();
  });
});

describe('code options', () => {
  it('offers "—" first when asked, then one item a record', async () => {
    render(
      <TextField select label="町" value="" onChange={() => undefined}>
        {codeOptions([{ code: 't1', name: '一丁目' }, { code: 't2', name: '二丁目' }], (x) => x.name, true)}
      </TextField>,
    );
    await userEvent.click(screen.getByRole('combobox', { name: '町' }));
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['—', '一丁目', '二丁目']);
  });
});
