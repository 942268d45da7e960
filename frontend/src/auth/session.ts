/**
 * The log-in session: tokens from POST /auth/token, kept for the browser tab (sessionStorage),
 * renewed with the refresh_token grant (the server rotates the refresh token on each use), and
 * revoked on log-out (POST /auth/revoke).
 *
 * When a refresh fails (the refresh token expired or was revoked) the session becomes `expired`:
 * requests waiting on it stay pending until the same person logs in again (`waitForLogin`), so an
 * unsaved form on screen is not lost; logging out instead rejects them.
 */

export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in: number;
  refresh_token?: string | null;
  scope: string;
}

/** The token endpoint calls; the real ones go through the generated client (api/client.ts). */
export interface TokenEndpoint {
  password(username: string, password: string): Promise<TokenResponse>;
  refresh(refreshToken: string): Promise<TokenResponse>;
  revoke(token: string, accessToken: string | null): Promise<void>;
}

export interface StoredSession {
  username: string;
  accessToken: string;
  refreshToken: string | null;
  /** epoch ms */
  expiresAt: number;
}

export type SessionState = 'anonymous' | 'active' | 'expired';

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const STORAGE_KEY = 'tsunagu.session';
/** Renew this long before the access token expires, so that no request goes out stale. */
export const REFRESH_MARGIN_MS = 30_000;

export class LoggedOutError extends Error {
  constructor() {
    super('logged out');
    this.name = 'LoggedOutError';
  }
}

export class AuthSession {
  private session: StoredSession | null = null;
  private expiredUser: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private listeners = new Set<() => void>();

  constructor(
    private readonly endpoint: TokenEndpoint,
    private readonly storage: KeyValueStorage | null = null,
    private readonly now: () => number = () => Date.now(),
  ) {
    const raw = storage?.getItem(STORAGE_KEY);
    if (raw) {
      try {
        const parsed = JSON.parse(raw) as StoredSession;
        if (parsed && typeof parsed.accessToken === 'string') this.session = parsed;
      } catch {
        storage?.removeItem(STORAGE_KEY);
      }
    }
  }

  get state(): SessionState {
    if (this.session) return 'active';
    return this.expiredUser ? 'expired' : 'anonymous';
  }

  /** The user name of the live session, or of the one that expired. */
  get username(): string | null {
    return this.session?.username ?? this.expiredUser;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  private store(username: string, t: TokenResponse): void {
    this.session = {
      username,
      accessToken: t.access_token,
      // A response without a new refresh token keeps the old one (rotation is the server's choice).
      refreshToken: t.refresh_token ?? this.session?.refreshToken ?? null,
      expiresAt: this.now() + t.expires_in * 1000,
    };
    this.storage?.setItem(STORAGE_KEY, JSON.stringify(this.session));
  }

  private clear(): void {
    this.session = null;
    this.storage?.removeItem(STORAGE_KEY);
  }

  /** Logs in (or back in after expiry); throws the endpoint's error on bad credentials. */
  async login(username: string, password: string): Promise<void> {
    const t = await this.endpoint.password(username, password);
    this.store(username, t);
    this.expiredUser = null;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w.resolve());
    this.emit();
  }

  /** The access token to send, renewed first when it is about to expire. Null when logged out. */
  async accessToken(): Promise<string | null> {
    if (!this.session) return null;
    if (this.session.expiresAt - this.now() <= REFRESH_MARGIN_MS && this.session.refreshToken) {
      await this.refresh();
    }
    return this.session?.accessToken ?? null;
  }

  /**
   * Renews the tokens with the refresh_token grant; concurrent callers share one request (the
   * refresh token is single-use). Returns false, and marks the session expired, when it fails.
   */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    const current = this.session;
    if (!current?.refreshToken) {
      this.expire();
      return Promise.resolve(false);
    }
    this.refreshing = this.endpoint
      .refresh(current.refreshToken)
      .then((t) => {
        this.store(current.username, t);
        return true;
      })
      .catch(() => {
        this.expire();
        return false;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /** The server refused our tokens and they cannot be renewed: ask the person to log in again. */
  expire(): void {
    if (!this.session && !this.expiredUser) return;
    this.expiredUser = this.session?.username ?? this.expiredUser;
    this.clear();
    this.emit();
  }

  /** Resolves when someone logs in again; rejects with LoggedOutError on log-out. */
  waitForLogin(): Promise<void> {
    if (this.session) return Promise.resolve();
    if (!this.expiredUser) return Promise.reject(new LoggedOutError());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Revokes the refresh token (and the access token) and forgets the session. */
  async logout(): Promise<void> {
    const current = this.session;
    this.clear();
    this.expiredUser = null;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w.reject(new LoggedOutError()));
    this.emit();
    if (current) {
      try {
        await this.endpoint.revoke(current.refreshToken ?? current.accessToken, current.accessToken);
      } catch {
        // The tokens are forgotten here either way; an unreachable server cannot keep us logged in.
      }
    }
  }
}
