import { describe, expect, it, vi } from 'vitest';
import { AuthSession, type TokenEndpoint } from '../auth/session';
import { call, callAllPages, callTagged, createApi, createAuthClient, formSerializer, tokenEndpoint } from './client';
import { ApiError } from './problem';

const BASE = 'http://tsunagu.test';

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } });
}

function fakeEndpoint(): TokenEndpoint {
  let n = 0;
  return {
    password: vi.fn(async () => ({ access_token: `a${++n}`, refresh_token: `r${n}`, expires_in: 900, scope: '' })),
    refresh: vi.fn(async () => ({ access_token: `a${++n}`, refresh_token: `r${n}`, expires_in: 900, scope: '' })),
    revoke: vi.fn(async () => undefined),
  };
}

describe('generated client with the auth middleware', () => {
  it('sends the bearer token and the UI language', async () => {
    const session = new AuthSession(fakeEndpoint());
    await session.login('u', 'p');
    const seen: Request[] = [];
    const fetchImpl = vi.fn(async (r: Request) => {
      seen.push(r);
      return json({ sub: 'x', kind: 'user', org: null, dept: 'health', roles: [], scopes: [] });
    });
    const api = createApi(session, () => 'en', BASE, fetchImpl);
    await call(api.GET('/me'));
    expect(seen[0].headers.get('Authorization')).toBe('Bearer a1');
    expect(seen[0].headers.get('Accept-Language')).toBe('en');
  });

  it('on 401 renews the tokens once and retries the same request with its body', async () => {
    const endpoint = fakeEndpoint();
    const session = new AuthSession(endpoint);
    await session.login('u', 'p');
    const bodies: string[] = [];
    const auths: (string | null)[] = [];
    const fetchImpl = vi.fn(async (r: Request) => {
      auths.push(r.headers.get('Authorization'));
      bodies.push(await r.clone().text());
      return auths.length === 1 ? json({ type: 'x', title: 'ログインが必要です', status: 401 }, 401) : json({ id: 7 }, 201);
    });
    const api = createApi(session, () => 'ja', BASE, fetchImpl);
    const result = await call(api.POST('/cases/{case_id}/timeline', { params: { path: { case_id: 1 } }, body: { occurredOn: '2024-02-26', means: 'phone', content: '電話' } }));
    expect(result).toEqual({ id: 7 });
    expect(endpoint.refresh).toHaveBeenCalledTimes(1);
    expect(auths).toEqual(['Bearer a1', 'Bearer a2']);
    expect(JSON.parse(bodies[1])).toEqual({ occurredOn: '2024-02-26', means: 'phone', content: '電話' });
  });

  it('when renewal fails, holds the request until the person logs in again', async () => {
    const endpoint = fakeEndpoint();
    vi.mocked(endpoint.refresh).mockRejectedValue(new Error('revoked'));
    const session = new AuthSession(endpoint);
    await session.login('u', 'p');
    let calls = 0;
    const fetchImpl = vi.fn(async () => (++calls === 1 ? json({ type: 'x', title: 't', status: 401 }, 401) : json({ ok: true })));
    const api = createApi(session, () => 'ja', BASE, fetchImpl);
    const pending = call(api.GET('/me'));
    await vi.waitFor(() => expect(session.state).toBe('expired'));
    expect(calls).toBe(1);
    await session.login('u', 'p');
    await expect(pending).resolves.toEqual({ ok: true });
    expect(calls).toBe(2);
  });

  it('turns a problem-details answer into an ApiError with the ETag of a 412', async () => {
    const session = new AuthSession(fakeEndpoint());
    const fetchImpl = vi.fn(async () => json({ type: 'urn:tsunagu:problem:precondition-failed', title: '他の人が先に更新しました', status: 412 }, 412, { ETag: '"c1.4"' }));
    const api = createApi(session, () => 'ja', BASE, fetchImpl);
    const err = await call(api.PATCH('/cases/{case_id}', { params: { path: { case_id: 1 }, header: { 'if-match': '"c1.3"' } }, body: { mainComplaint: 'x' } })).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(412);
    expect(err.isStale).toBe(true);
    expect(err.etag).toBe('"c1.4"');
    expect(err.problem.title).toBe('他の人が先に更新しました');
  });

  it('returns the ETag with the body for records edited under If-Match', async () => {
    const session = new AuthSession(fakeEndpoint());
    const api = createApi(session, () => 'ja', BASE, async () => json({ id: 1 }, 200, { ETag: '"c1.3"' }));
    await expect(callTagged(api.GET('/cases/{case_id}', { params: { path: { case_id: 1 } } }))).resolves.toEqual({ data: { id: 1 }, etag: '"c1.3"' });
  });
});

describe('token endpoint', () => {
  it('posts the password grant form-encoded, without empty fields', async () => {
    const seen: Request[] = [];
    const client = createAuthClient(BASE, async (r) => {
      seen.push(r);
      return json({ access_token: 'a', refresh_token: 'r', expires_in: 900, scope: '' });
    });
    await tokenEndpoint(client).password('coordinator.east', 'pa ss&word');
    expect(seen[0].headers.get('Content-Type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(await seen[0].text()))).toEqual({ grant_type: 'password', username: 'coordinator.east', password: 'pa ss&word' });
  });

  it('refreshes with the refresh_token grant', async () => {
    const seen: string[] = [];
    const client = createAuthClient(BASE, async (r) => {
      seen.push(await r.text());
      return json({ access_token: 'a', refresh_token: 'r2', expires_in: 900, scope: '' });
    });
    const t = await tokenEndpoint(client).refresh('r1');
    expect(seen[0]).toBe('grant_type=refresh_token&refresh_token=r1');
    expect(t.refresh_token).toBe('r2');
  });

  it('raises the server problem on bad credentials', async () => {
    const client = createAuthClient(BASE, async () => json({ type: 'urn:tsunagu:problem:invalid-grant', title: '認証情報が正しくありません', status: 400, error: 'invalid_grant' }, 400));
    await expect(tokenEndpoint(client).password('u', 'x')).rejects.toMatchObject({ status: 400, problem: { error: 'invalid_grant' } });
  });

  it('serialises forms leaving out null and empty values', () => {
    expect(formSerializer({ a: 'x y', b: null, c: undefined, d: '' })).toBe('a=x+y');
  });
});

describe('callAllPages', () => {
  it('follows nextCursor to the last page and keeps the order', async () => {
    const session = new AuthSession(fakeEndpoint());
    await session.login('u', 'p');
    const pages: Record<string, { items: { id: number }[]; nextCursor: string | null }> = {
      '': { items: [{ id: 1 }, { id: 2 }], nextCursor: 'c2' },
      c2: { items: [{ id: 3 }], nextCursor: 'c3' },
      c3: { items: [], nextCursor: null },
    };
    const asked: string[] = [];
    const fetchImpl = vi.fn(async (r: Request) => {
      const url = new URL(r.url);
      asked.push(url.search);
      return json(pages[url.searchParams.get('cursor') ?? '']);
    });
    const api = createApi(session, () => 'ja', BASE, fetchImpl);
    const items = await callAllPages((cursor) => api.GET('/meetings', { params: { query: { from: '2026-12-01', limit: 100, cursor } } }));
    expect(items.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(asked).toEqual(['?from=2026-12-01&limit=100', '?from=2026-12-01&limit=100&cursor=c2', '?from=2026-12-01&limit=100&cursor=c3']);
  });

  it('stops at the first failing page with its problem', async () => {
    const session = new AuthSession(fakeEndpoint());
    await session.login('u', 'p');
    const fetchImpl = vi.fn(async (r: Request) =>
      new URL(r.url).searchParams.get('cursor')
        ? json({ type: 'about:blank', title: 'リクエストが正しくありません', status: 400, detail: '最初のページから取得し直してください。' }, 400)
        : json({ items: [{ id: 1 }], nextCursor: 'bad' }),
    );
    const api = createApi(session, () => 'ja', BASE, fetchImpl);
    await expect(callAllPages((cursor) => api.GET('/meetings', { params: { query: { cursor } } }))).rejects.toBeInstanceOf(ApiError);
    expect(fetchImpl).toHaveBeenCalledTimes(2);
  });
});
