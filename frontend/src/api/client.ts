/**
 * The API client, generated from ../openapi.yaml (src/api/schema.d.ts): every call in the app goes
 * through it. One middleware adds the bearer token and Accept-Language to each request and, on a
 * 401, renews the tokens once (or waits for the person to log in again) and retries the request.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, isProblem } from './problem';
import type { AuthSession, TokenEndpoint, TokenResponse } from '../auth/session';

export type ApiClient = Client<paths>;

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' } as const;

/** application/x-www-form-urlencoded, leaving out empty fields (the token endpoint's body). */
export function formSerializer(body: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) {
    if (v !== undefined && v !== null && v !== '') params.append(k, String(v));
  }
  return params.toString();
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function failure(r: Result<unknown>): ApiError {
  return new ApiError(r.response.status, isProblem(r.error) ? r.error : null, r.response.headers.get('ETag'));
}

/** The body of a successful call; an ApiError (with the problem details) otherwise. */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  const r = await request;
  if (!r.response.ok) throw failure(r);
  return r.data as T;
}

/** A page of a paginated list, as every list with a cursor returns it. */
export interface Paged<T> {
  items: T[];
  nextCursor?: string | null;
}

/**
 * Every item of a paginated list: the first page, then each page its nextCursor names, in order.
 * For views that must show all of a bounded list (a month's meetings), not for open-ended ones.
 */
export async function callAllPages<T>(page: (cursor: string | undefined) => Promise<Result<Paged<T>>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const body = await call(page(cursor));
    items.push(...body.items);
    if (!body.nextCursor) return items;
    cursor = body.nextCursor;
  }
}

export interface Tagged<T> {
  data: T;
  /** The ETag to send back as If-Match on the next change. */
  etag: string;
}

/** Like `call`, with the response's ETag (the version the next write must name). */
export async function callTagged<T>(request: Promise<Result<T>>): Promise<Tagged<T>> {
  const r = await request;
  if (!r.response.ok) throw failure(r);
  return { data: r.data as T, etag: r.response.headers.get('ETag') ?? '' };
}

/** The token endpoints through the generated client (no bearer token on these). */
export function tokenEndpoint(client: ApiClient): TokenEndpoint {
  const token = async (body: paths['/auth/token']['post']['requestBody']['content']['application/x-www-form-urlencoded']): Promise<TokenResponse> =>
    call(client.POST('/auth/token', { body, headers: FORM, bodySerializer: formSerializer }));
  return {
    password: (username, password) => token({ grant_type: 'password', username, password }),
    refresh: (refreshToken) => token({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    revoke: async (tokenValue, accessToken) => {
      await call(
        client.POST('/auth/revoke', {
          body: { token: tokenValue },
          headers: { ...FORM, ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}) },
          bodySerializer: formSerializer,
        }),
      );
    },
  };
}

/** Bearer token, Accept-Language, and one renewal-and-retry on 401. */
export function authMiddleware(
  session: AuthSession,
  language: () => string,
  fetchImpl: (request: Request) => Promise<Response> = (r) => globalThis.fetch(r),
): Middleware {
  const originals = new Map<string, Request>();
  return {
    async onRequest({ request, id }) {
      request.headers.set('Accept-Language', language());
      const token = await session.accessToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      originals.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const original = originals.get(id);
      originals.delete(id);
      if (response.status !== 401 || !original || session.state === 'anonymous') return undefined;
      if (session.state === 'active') {
        const renewed = await session.refresh();
        if (!renewed) session.expire();
      }
      // Expired: wait until the person logs in again (the form on screen keeps its input).
      await session.waitForLogin();
      const token = await session.accessToken();
      if (token) original.headers.set('Authorization', `Bearer ${token}`);
      original.headers.set('Accept-Language', language());
      return fetchImpl(original);
    },
    onError({ id }) {
      originals.delete(id);
    },
  };
}

export function createApi(session: AuthSession, language: () => string, baseUrl = '', fetchImpl?: (r: Request) => Promise<Response>): ApiClient {
  const client = createClient<paths>({ baseUrl, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  client.use(authMiddleware(session, language, fetchImpl));
  return client;
}

export function createAuthClient(baseUrl = '', fetchImpl?: (r: Request) => Promise<Response>): ApiClient {
  return createClient<paths>({ baseUrl, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}
