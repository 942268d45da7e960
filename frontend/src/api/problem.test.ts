import { describe, expect, it } from 'vitest';
import { ApiError, errorMessages, normaliseField, problemMessages, type Problem } from './problem';

const validation: Problem = {
  type: 'urn:tsunagu:problem:validation-error',
  title: '入力内容に誤りがあります',
  status: 422,
  detail: '入力内容を確認してください。',
  errors: [
    { field: 'members.0.name', message: '必須項目です。', code: 'missing' },
    { field: 'intakeRoute', message: '存在しないコードです: x', code: 'unknown_code' },
    { field: 'body.members.1.consent.validUntil', message: '日付の形式が正しくありません', code: 'date_parsing' },
    { field: 'secretField', message: 'この項目は受け付けられません。', code: 'extra_forbidden' },
  ],
};

describe('problem details → form messages', () => {
  it('normalises field paths of any notation to dotted camelCase', () => {
    expect(normaliseField('body.members.0.name')).toBe('members.0.name');
    expect(normaliseField('/members/0/name')).toBe('members.0.name');
    expect(normaliseField('#/members/0/name')).toBe('members.0.name');
    expect(normaliseField('members[0].name')).toBe('members.0.name');
    expect(normaliseField('content.planId')).toBe('content.planId');
  });

  it('puts each error next to the field the form shows, and the rest on top', () => {
    const m = problemMessages(validation, ['intakeRoute', 'members.*']);
    expect(m.fields).toEqual({
      'members.0.name': '必須項目です。',
      intakeRoute: '存在しないコードです: x',
      'members.1.consent.validUntil': '日付の形式が正しくありません',
    });
    expect(m.top[0]).toBe('入力内容を確認してください。');
    expect(m.top).toContain('secretField: この項目は受け付けられません。');
    expect(m.top).toHaveLength(2);
  });

  it('joins two messages for one field', () => {
    const m = problemMessages({ ...validation, errors: [
      { field: 'name', message: 'A', code: 'a' },
      { field: 'name', message: 'B', code: 'b' },
    ] }, ['name']);
    expect(m.fields.name).toBe('A B');
  });

  it('shows the detail (or the title) when there are no field errors', () => {
    expect(problemMessages({ type: 'x', title: '見つかりません', status: 404, detail: 'ケースが見つかりません。' }).top).toEqual(['ケースが見つかりません。']);
    expect(problemMessages({ type: 'x', title: '他の人が先に更新しました', status: 412 }).top).toEqual(['他の人が先に更新しました']);
  });

  it('handles thrown errors: API errors, network failures, nothing', () => {
    const api = new ApiError(422, validation);
    expect(errorMessages(api, ['members.*']).fields['members.0.name']).toBe('必須項目です。');
    expect(errorMessages(new ApiError(502, null)).top).toEqual(['HTTP 502']);
    expect(errorMessages(new TypeError('Failed to fetch')).top).toEqual(['Failed to fetch']);
    expect(errorMessages(null)).toEqual({ fields: {}, top: [] });
  });

  it('tells a stale write (412) and a hidden record (404) apart', () => {
    expect(new ApiError(412, null, '"c1.3"').isStale).toBe(true);
    expect(new ApiError(412, null, '"c1.3"').etag).toBe('"c1.3"');
    expect(new ApiError(404, null).isNotFound).toBe(true);
    expect(new ApiError(403, null).isStale).toBe(false);
  });
});
