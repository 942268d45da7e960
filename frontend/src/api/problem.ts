import type { components } from './schema';

type ProblemSchema = components['schemas']['Problem'];
/** The schema's Problem; the server leaves out the optional members that are empty. */
export type Problem = Pick<ProblemSchema, 'type' | 'title' | 'status'> & Partial<Omit<ProblemSchema, 'type' | 'title' | 'status'>>;
export type FieldError = components['schemas']['FieldError'];

/** A failed API call: the HTTP status and, when the server sent one, its problem details. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  /** The current ETag the server sent with a 412, if any. */
  readonly etag: string | null;

  constructor(status: number, problem: Problem | null, etag: string | null = null) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.etag = etag;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  /** Someone else changed the record since it was read (If-Match did not match). */
  get isStale(): boolean {
    return this.status === 412;
  }
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.title === 'string' && typeof v.status === 'number';
}

/** Where a message goes: next to a form field, or at the top of the form. */
export interface ProblemMessages {
  /** Field path (as the API names it, e.g. `members.0.name`) → message. */
  fields: Record<string, string>;
  /** Messages that belong to no known field: shown above the form. */
  top: string[];
}

/**
 * Normalises the `field` of a problem's `errors` to the dotted camelCase path the forms use:
 * `body.members.0.name`, `/members/0/name` and `members[0].name` all become `members.0.name`.
 */
export function normaliseField(field: string): string {
  let f = field.trim();
  if (f.startsWith('#')) f = f.slice(1);
  f = f.replace(/\[(\d+)\]/g, '.$1').replace(/\//g, '.');
  const parts = f.split('.').filter((p) => p !== '');
  if (parts.length > 1 && ['body', 'query', 'path', 'header'].includes(parts[0])) parts.shift();
  return parts.join('.');
}

/**
 * Maps a problem-details body to messages for a form. `knownFields` are the field paths the form
 * shows (exact paths, or prefixes ending in `.*` such as `members.*`); errors for any other field,
 * and the problem's own title/detail, go to the top. With no field errors, the detail (or title)
 * is the top message.
 */
export function problemMessages(problem: Problem | null | undefined, knownFields: readonly string[] = [], fallback = ''): ProblemMessages {
  const result: ProblemMessages = { fields: {}, top: [] };
  if (!problem) {
    if (fallback) result.top.push(fallback);
    return result;
  }
  const known = (path: string) =>
    knownFields.some((k) => (k.endsWith('.*') ? path.startsWith(k.slice(0, -1)) : k === path));
  const unplaced: string[] = [];
  for (const err of problem.errors ?? []) {
    const path = normaliseField(err.field);
    if (known(path)) {
      result.fields[path] = result.fields[path] ? `${result.fields[path]} ${err.message}` : err.message;
    } else {
      unplaced.push(path && path !== 'body' ? `${path}: ${err.message}` : err.message);
    }
  }
  const headline = problem.detail ?? problem.title;
  if (unplaced.length > 0 || Object.keys(result.fields).length > 0) {
    result.top.push(headline);
    result.top.push(...unplaced);
  } else {
    result.top.push(headline);
  }
  return result;
}

/** Messages for any thrown value: an ApiError's problem, a network failure, or anything else. */
export function errorMessages(error: unknown, knownFields: readonly string[] = [], networkMessage = 'network'): ProblemMessages {
  if (error instanceof ApiError) {
    return problemMessages(error.problem, knownFields, error.message);
  }
  if (error instanceof Error) return { fields: {}, top: [error.message || networkMessage] };
  return { fields: {}, top: error ? [String(error)] : [] };
}
