/** The app's single API client and log-in session. */
import { AuthSession } from '../auth/session';
import { createApi, createAuthClient, tokenEndpoint } from './client';
import i18n from '../i18n';

const storage = typeof window !== 'undefined' ? window.sessionStorage : null;

export const session = new AuthSession(tokenEndpoint(createAuthClient()), storage);
export const api = createApi(session, () => (i18n.language?.startsWith('en') ? 'en' : 'ja'));
export { call, callAllPages, callTagged } from './client';
export type { Paged, Tagged } from './client';
export { ApiError } from './problem';
export type { components, paths } from './schema';
