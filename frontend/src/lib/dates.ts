/**
 * Dates as the city's staff write them: the Japanese era (令和6年2月26日) in the Japanese UI,
 * the Gregorian calendar in English. Plain dates ("2024-02-26") are calendar days and never shift
 * with the browser's time zone; instants ("2024-02-26T01:00:00Z") are shown in Japan time.
 */

export type Lang = 'ja' | 'en';

const TOKYO = 'Asia/Tokyo';
const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A plain ISO date (YYYY-MM-DD) as an instant at noon in Tokyo, safe from zone shifts. */
export function plainDateToInstant(isoDate: string): Date {
  const m = PLAIN_DATE.exec(isoDate);
  if (!m) throw new RangeError(`not a plain ISO date: ${isoDate}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T12:00:00+09:00`);
}

function toInstant(value: string | Date): Date {
  if (value instanceof Date) return value;
  return PLAIN_DATE.test(value) ? plainDateToInstant(value) : new Date(value);
}

const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = locale + JSON.stringify(options);
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: TOKYO, ...options });
    cache.set(key, f);
  }
  return f;
}

/** 令和6年2月26日 (ja) / 26 Feb 2024 (en). */
export function formatDate(value: string | Date | null | undefined, lang: Lang = 'ja', opts: { weekday?: boolean } = {}): string {
  if (value === null || value === undefined || value === '') return '';
  const d = toInstant(value);
  if (Number.isNaN(d.getTime())) return '';
  const weekday = opts.weekday ? ({ weekday: 'short' } as const) : {};
  if (lang === 'ja') {
    return formatter('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric', month: 'long', day: 'numeric', ...weekday }).format(d);
  }
  return formatter('en-GB', { year: 'numeric', month: 'short', day: 'numeric', ...weekday }).format(d);
}

/** 令和6年2月26日 14:05 (ja) / 26 Feb 2024, 14:05 (en), in Japan time. */
export function formatDateTime(value: string | Date | null | undefined, lang: Lang = 'ja'): string {
  if (!value) return '';
  const d = toInstant(value);
  if (Number.isNaN(d.getTime())) return '';
  const time = formatter('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return lang === 'ja' ? `${formatDate(d, 'ja')} ${time}` : `${formatDate(d, 'en')}, ${time}`;
}

/** 令和6年2月 (ja) / February 2024 (en). */
export function formatMonth(year: number, month: number, lang: Lang = 'ja'): string {
  const d = plainDateToInstant(`${year}-${String(month).padStart(2, '0')}-15`);
  return lang === 'ja'
    ? formatter('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric', month: 'long' }).format(d)
    : formatter('en-GB', { year: 'numeric', month: 'long' }).format(d);
}

/** "14:00:00" → "14:00". */
export function formatTime(value: string | null | undefined): string {
  return value ? value.slice(0, 5) : '';
}

/** Today's calendar day in Japan, as YYYY-MM-DD. */
export function todayIso(now: Date = new Date()): string {
  return formatter('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** YYYY-MM-DD plus n days (calendar arithmetic, no zone involved). */
export function addDays(isoDate: string, days: number): string {
  const m = PLAIN_DATE.exec(isoDate);
  if (!m) throw new RangeError(`not a plain ISO date: ${isoDate}`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return d.toISOString().slice(0, 10);
}

/** The fiscal year (年度, April to March) a day falls in. */
export function fiscalYearOf(isoDate: string): number {
  const [y, m] = isoDate.split('-').map(Number);
  return m >= 4 ? y : y - 1;
}

/** The weeks (Monday first) of a month as rows of YYYY-MM-DD or null for days outside it. */
export function monthGrid(year: number, month: number): (string | null)[][] {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7; // Monday = 0
  const cells: (string | null)[] = Array.from({ length: lead }, () => null);
  for (let day = 1; day <= days; day++) {
    cells.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
  }
  while (cells.length % 7 !== 0) cells.push(null);
  const rows: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(cells.slice(i, i + 7));
  return rows;
}

/** Age in whole years on a given day, from a plain birth date. */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = on.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/**
 * A fiscal year (April to March) named by the year it starts in: 2023 is 令和5年度 (ja) or
 * FY2023 (en). 2019 is 令和元年度: the era changed in its second month and the city renamed it.
 */
export function fiscalYearLabel(fiscalYear: number, lang: Lang = 'ja'): string {
  if (lang === 'en') return `FY${fiscalYear}`;
  return `${formatter('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric' }).format(plainDateToInstant(`${fiscalYear}-12-31`))}度`;
}

/** The months of a fiscal year, April first, as YYYY-MM. */
export function fiscalYearMonths(fiscalYear: number): string[] {
  return Array.from({ length: 12 }, (_, i) => {
    const m = ((i + 3) % 12) + 1;
    const y = m >= 4 ? fiscalYear : fiscalYear + 1;
    return `${y}-${String(m).padStart(2, '0')}`;
  });
}
