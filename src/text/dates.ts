// Dates as Verbatim keeps them: ISO 8601 to the precision the source gives ("2019-11-20", "2019-11",
// "2019", or "--06-04" for a day and month printed without a year), the span of days each covers, how a
// citation writes them, and the dates a passage of text mentions (resolved against its article's date, so
// that "last year" in a report dated January 2021 speaks of 2020).
import { createRequire } from 'node:module';

// English only: the package's root also loads nine other languages' parsers (0.13 s against 0.03 s at every
// start); its `parse` is the same English casual parser. Required, as the test runner does not resolve
// the package's pattern exports for an import. Loaded at the first date read: an indexer reading articles
// without front matter never needs it.
type Chrono = typeof import('chrono-node/en');
let loaded: Chrono | null = null;
const chrono = (): Chrono => (loaded ??= createRequire(import.meta.url)('chrono-node/en') as Chrono);

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** A month's name or abbreviation (one capture group). */
export const MONTH_RE = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';

const pad = (n: number) => String(n).padStart(2, '0');

export function monthIndex(name: string): number {
  const key = name.toLowerCase().replace('.', '').slice(0, 3);
  return MONTHS.findIndex((m) => m.toLowerCase().startsWith(key)) + 1;
}

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** An ISO date of the precision given (month and day optional); null when it is not a real date. */
export function isoDate(y: number | null, m?: number | null, d?: number | null): string | null {
  if (m != null && (m < 1 || m > 12)) return null;
  if (d != null && (m == null || d < 1 || d > daysIn(y ?? 2000, m))) return null;
  if (y == null) return m != null && d != null ? `--${pad(m)}-${pad(d)}` : null;
  if (y < 1800 || y > 2200) return null;
  return m == null ? String(y) : d == null ? `${y}-${pad(m)}` : `${y}-${pad(m)}-${pad(d)}`;
}

/** Days since 1970-01-01 (UTC) of a calendar day. */
export const dayNumber = (y: number, m: number, d: number) => Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);

export interface DaySpan {
  /** First and last day covered, as day numbers (dayNumber). */
  from: number;
  to: number;
}

/** The days a stored date covers: a year, a month or a day; null without a year ("--06-04"). */
export function spanOf(iso: string | null | undefined): DaySpan | null {
  const m = iso ? /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(iso) : null;
  if (!m) return null;
  const y = +m[1];
  if (!m[2]) return { from: dayNumber(y, 1, 1), to: dayNumber(y, 12, 31) };
  const mo = +m[2];
  if (!m[3]) return { from: dayNumber(y, mo, 1), to: dayNumber(y, mo, daysIn(y, mo)) };
  const d = dayNumber(y, mo, +m[3]);
  return { from: d, to: d };
}

/** Whether two spans of days share a day. */
export const overlaps = (a: DaySpan, b: DaySpan) => a.from <= b.to && b.from <= a.to;

/** The year of a stored date, if it has one. */
export const yearOf = (iso: string | null | undefined): number | null => (iso && /^\d{4}/.test(iso) ? +iso.slice(0, 4) : null);

/** How a citation writes a date: "November 20, 2019", "November 2019", "2019", "June 4". */
export function formatDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (m) return `${MONTHS[+m[2] - 1]} ${+m[3]}, ${m[1]}`;
  m = /^(\d{4})-(\d{2})$/.exec(iso);
  if (m) return `${MONTHS[+m[2] - 1]} ${m[1]}`;
  if (/^\d{4}$/.test(iso)) return iso;
  m = /^--(\d{2})-(\d{2})$/.exec(iso);
  if (m) return `${MONTHS[+m[1] - 1]} ${+m[2]}`;
  return iso;
}

/** A date the way a person or a page writes it ("4 June 2012", "Nov. 20, 2019", "2019-11-20"), read by chrono. */
export function parseDateText(text: string, ref?: Date): string | null {
  const r = chrono().parse(text, ref ?? new Date(Date.UTC(2000, 0, 1)))[0];
  if (!r) return null;
  const s = r.start;
  if (!s.isCertain('month') && !s.isCertain('year')) return null;
  const y = s.isCertain('year') ? (s.get('year') ?? null) : null;
  const mo = s.isCertain('month') ? (s.get('month') ?? null) : null;
  const d = s.isCertain('day') ? (s.get('day') ?? null) : null;
  return isoDate(y, mo, mo == null ? null : d);
}

/** A date mentioned in text, with the days it covers. */
export interface Mention extends DaySpan {
  text: string;
}

const YEAR = /(?<![\d,.$£€])\b(1[89]\d\d|20\d\d|21\d\d)(s)?\b(?!\d|,\d|\s*(?:%|percent|per cent|people|metres|meters|km|miles|tonnes|tons|\$))/gi;
const MONTH_YEAR = new RegExp(`\\b${MONTH_RE}\\s+(?:of\\s+)?((?:18|19|20|21)\\d\\d)\\b`, 'gi');
const RELATIVE_YEAR = /\b(last|this|next|previous|the previous|the following|the past)\s+year\b|\ba year (?:earlier|before|ago)\b/gi;

/**
 * The dates `text` mentions: years ("in 2019", "the 1990s"), months of a year, full dates, and years said
 * relative to `ref` (the article's date: "last year", "this year", "next year", "a year earlier"). Bare
 * numbers that measure something ("2019 people") are not years.
 */
export function mentionedDates(text: string, ref?: string | null): Mention[] {
  const out: Mention[] = [];
  const seen = new Set<string>();
  const add = (m: Mention) => {
    const key = `${m.from}-${m.to}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(m);
    }
  };
  const refYear = yearOf(ref);
  // Full dates and months of a year, with chrono (it reads most ways of writing them).
  if (/\b(?:18|19|20|21)\d\d\b/.test(text)) {
    for (const r of chrono().parse(text, ref && spanOf(ref) ? new Date(spanOf(ref)!.from * 86_400_000) : undefined)) {
      const s = r.start;
      if (!s.isCertain('year') || !s.isCertain('month')) continue;
      const iso = isoDate(s.get('year')!, s.get('month')!, s.isCertain('day') ? s.get('day')! : null);
      const span = spanOf(iso);
      if (span) add({ text: r.text, ...span });
    }
  }
  for (const m of text.matchAll(MONTH_YEAR)) {
    const span = spanOf(isoDate(+m[2], monthIndex(m[1])));
    if (span) add({ text: m[0], ...span });
  }
  for (const m of text.matchAll(YEAR)) {
    const y = +m[1];
    if (m[2]) add({ text: m[0], from: dayNumber(y, 1, 1), to: dayNumber(y + 9, 12, 31) }); // "the 1990s"
    else add({ text: m[0], from: dayNumber(y, 1, 1), to: dayNumber(y, 12, 31) });
  }
  if (refYear !== null) {
    for (const m of text.matchAll(RELATIVE_YEAR)) {
      const w = (m[1] ?? 'last').toLowerCase();
      const y = /next|following/.test(w) ? refYear + 1 : /this/.test(w) ? refYear : refYear - 1;
      add({ text: m[0], from: dayNumber(y, 1, 1), to: dayNumber(y, 12, 31) });
    }
  }
  return out;
}

/** The day number of today, or of the TODAY the tests set (ISO date). */
export function today(): number {
  const fixed = process.env.VERBATIM_TODAY;
  const d = fixed && /^\d{4}-\d{2}-\d{2}$/.test(fixed) ? new Date(`${fixed}T12:00:00Z`) : new Date();
  return dayNumber(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** A day number as an ISO date. */
export function isoOfDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The days a date given by a person covers ("2019", "2019-11", "2019-11-20", "November 2019", "20 Nov
 * 2019"), or null when it is not a date with a year.
 */
export function periodOf(text: string): DaySpan | null {
  const t = text.trim();
  if (/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/.test(t)) {
    const span = spanOf(t);
    return span && isoOfDay(span.from).startsWith(t.slice(0, 7)) ? span : null; // "2019-13" is no month
  }
  if (!/\b(?:18|19|20|21)\d\d\b/.test(t)) return null; // "yesterday" is relative to a day no one said
  const iso = parseDateText(t);
  return iso && /^\d{4}/.test(iso) ? spanOf(iso) : null;
}

/** The days from the start of `since` to the end of `until` (either may be missing). */
export function between(since: DaySpan | null, until: DaySpan | null): DaySpan | undefined {
  if (!since && !until) return undefined;
  return { from: since?.from ?? -Infinity, to: until?.to ?? Infinity };
}
