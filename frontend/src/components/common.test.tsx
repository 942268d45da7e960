import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import TextField from '@mui/material/TextField';
import { ApiError } from '../api/problem';
import { ConflictDialog, EraDate, ErrorAlert, useFieldErrors } from './common';

function Form({ error }: { error: unknown }) {
  const { field } = useFieldErrors(error, ['name']);
  return (
    <form>
      <ErrorAlert error={error} fields={['name']} />
      <TextField label="氏名" {...field('name')} />
    </form>
  );
}

describe('error display', () => {
  it('shows a field error next to its field and the headline on top', () => {
    const error = new ApiError(422, { type: 'x', title: '入力内容に誤りがあります', status: 422, detail: '入力内容を確認してください。', errors: [{ field: 'body.name', message: '必須項目です。', code: 'missing' }, { field: 'other', message: '不正です', code: 'x' }] });
    render(<Form error={error} />);
    expect(screen.getByRole('alert').textContent).toContain('入力内容を確認してください。');
    expect(screen.getByRole('alert').textContent).toContain('other: 不正です');
    const input = screen.getByLabelText('氏名');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('必須項目です。').id).toBe(input.getAttribute('aria-describedby'));
  });

  it('shows "not found" for a 404, with no hint that the record exists', () => {
    render(<ErrorAlert error={new ApiError(404, { type: 'x', title: '見つかりません', status: 404, detail: 'ケースが見つかりません。' })} />);
    expect(screen.getByRole('alert').textContent).toContain('見つかりません');
  });

  it('offers to reload after a 412 and keeps the form as it is', async () => {
    const reload = vi.fn(async () => undefined);
    render(
      <>
        <input aria-label="主訴" defaultValue="自分の入力" />
        <ConflictDialog error={new ApiError(412, { type: 'x', title: '他の人が先に更新しました', status: 412 })} onReload={reload} />
      </>,
    );
    expect(screen.getByRole('dialog').textContent).toContain('他の人が先に更新しました');
    await userEvent.click(screen.getByRole('button', { name: '最新の内容を読み込む' }));
    expect(reload).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect((screen.getByLabelText('主訴', { selector: 'input' }) as HTMLInputElement).value).toBe('自分の入力');
  });

  it('shows no conflict dialog for other errors', () => {
    render(<ConflictDialog error={new ApiError(409, null)} onReload={() => undefined} />);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('renders dates in the Japanese era with the ISO date for machines', () => {
    render(<EraDate value="2024-02-26" />);
    const time = screen.getByText('令和6年2月26日');
    expect(time.tagName).toBe('TIME');
    expect(time.getAttribute('datetime')).toBe('2024-02-26');
  });
});
