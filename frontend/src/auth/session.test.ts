import { describe, expect, it, vi } from 'vitest';
import { AuthSession, LoggedOutError, type KeyValueStorage, type TokenEndpoint, type TokenResponse } from './session';

class MemoryStorage implements KeyValueStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

function tokens(n: number, expiresIn = 900): TokenResponse {
  return { access_token: `access-${n}`, refresh_token: `refresh-${n}`, expires_in: expiresIn, scope: 'cases:read', token_type: 'bearer' };
}

function setup() {
  let now = 1_000_000;
  let issued = 0;
  const endpoint: TokenEndpoint = {
    password: vi.fn(async (u: string, p: string) => {
      if (p !== 'right') throw new Error('invalid_grant');
      void u;
      return tokens(++issued);
    }),
    refresh: vi.fn(async (r: string) => {
      // The server rotates: each refresh token works once.
      if (r !== `refresh-${issued}`) throw new Error('invalid_grant');
      return tokens(++issued);
    }),
    revoke: vi.fn(async () => undefined),
  };
  const storage = new MemoryStorage();
  const session = new AuthSession(endpoint, storage, () => now);
  return { session, endpoint, storage, advance: (ms: number) => (now += ms) };
}

describe('log-in session', () => {
  it('logs in, keeps the tokens for the tab, and reads them back on reload', async () => {
    const { session, storage, endpoint } = setup();
    expect(session.state).toBe('anonymous');
    await session.login('coordinator.east', 'right');
    expect(session.state).toBe('active');
    expect(await session.accessToken()).toBe('access-1');
    const reloaded = new AuthSession(endpoint, storage);
    expect(reloaded.state).toBe('active');
    expect(reloaded.username).toBe('coordinator.east');
  });

  it('refuses bad credentials and stays logged out', async () => {
    const { session } = setup();
    await expect(session.login('x', 'wrong')).rejects.toThrow('invalid_grant');
    expect(session.state).toBe('anonymous');
    expect(await session.accessToken()).toBeNull();
  });

  it('renews the access token shortly before it expires, with the rotated refresh token', async () => {
    const { session, endpoint, advance } = setup();
    await session.login('u', 'right');
    advance(60_000);
    expect(await session.accessToken()).toBe('access-1');
    expect(endpoint.refresh).not.toHaveBeenCalled();
    advance(820_000); // 20 s left of 900 s
    expect(await session.accessToken()).toBe('access-2');
    expect(endpoint.refresh).toHaveBeenCalledWith('refresh-1');
    advance(890_000);
    expect(await session.accessToken()).toBe('access-3');
    expect(endpoint.refresh).toHaveBeenLastCalledWith('refresh-2');
  });

  it('sends one refresh for many concurrent requests (the refresh token is single-use)', async () => {
    const { session, endpoint } = setup();
    await session.login('u', 'right');
    const results = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(endpoint.refresh).toHaveBeenCalledTimes(1);
    expect(await session.accessToken()).toBe('access-2');
  });

  it('expires when the refresh is refused, and resumes waiting requests after logging in again', async () => {
    const { session, endpoint } = setup();
    await session.login('u', 'right');
    vi.mocked(endpoint.refresh).mockRejectedValueOnce(new Error('revoked'));
    const listener = vi.fn();
    session.subscribe(listener);
    expect(await session.refresh()).toBe(false);
    expect(session.state).toBe('expired');
    expect(session.username).toBe('u');
    expect(listener).toHaveBeenCalled();
    let resumed = false;
    const waiting = session.waitForLogin().then(() => (resumed = true));
    await Promise.resolve();
    expect(resumed).toBe(false);
    await session.login('u', 'right');
    await waiting;
    expect(resumed).toBe(true);
    expect(session.state).toBe('active');
  });

  it('logs out: revokes the refresh token, forgets everything and fails the waiting requests', async () => {
    const { session, endpoint, storage } = setup();
    await session.login('u', 'right');
    await session.logout();
    expect(endpoint.revoke).toHaveBeenCalledWith('refresh-1', 'access-1');
    expect(session.state).toBe('anonymous');
    expect(storage.data.size).toBe(0);

    await session.login('u', 'right');
    session.expire();
    const waiting = session.waitForLogin();
    await session.logout();
    await expect(waiting).rejects.toBeInstanceOf(LoggedOutError);
  });

  it('still logs out when the server cannot be reached', async () => {
    const { session, endpoint } = setup();
    await session.login('u', 'right');
    vi.mocked(endpoint.revoke).mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(session.logout()).resolves.toBeUndefined();
    expect(session.state).toBe('anonymous');
  });
});
