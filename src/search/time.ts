// When a question asks about: a period ("in 2019", "in November 2019", "on 4 June 2012", "last year",
// "last June", "three years ago", "in the 1990s"), the present ("now", "currently", "the latest", "the most
// recent"), the beginning ("at first", "originally", "when it began", "the first"), or a side of a date
// ("before 2021", "since March 2020", "after 2018"). Dates written out are read by chrono; years, relative
// years and months, and the words for "now" and "first" here. Relative expressions count from today.
import { dayNumber, isoDate, MONTH_RE, monthIndex, parseDateText, spanOf, today as todayDay, type DaySpan } from '../text/dates.js';

export type TimeAsk =
  | {
      kind: 'period';
      span: DaySpan;
      label: string;
      /** Said relative to today ("this year", "two years ago"): an article may say it of its own time. */
      relative?: boolean;
    }
  | { kind: 'latest' }
  | { kind: 'earliest' }
  | { kind: 'before' | 'after'; day: number; label: string };

const yearSpan = (y: number): DaySpan => ({ from: dayNumber(y, 1, 1), to: dayNumber(y, 12, 31) });
const YEAR = '((?:18|19|20|21)\\d\\d)';
const FULL_DATE = new RegExp(`\\b(?:${MONTH_RE}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+${YEAR}|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE},?\\s+${YEAR}|\\d{4}-\\d{2}-\\d{2})\\b`, 'i');
const MONTH_OF_YEAR = new RegExp(`\\b${MONTH_RE}\\s+(?:of\\s+)?${YEAR}\\b`, 'i');
const SIDE = /\b(before|until|till|prior to|up to|by|after|since|from)\s+(?:the\s+(?:end|start|beginning)\s+of\s+)?/i;
const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };
const LATEST = /\b(?:now|nowadays|currently|current|at present|presently|today|these days|latest|most recent|newest|(?:the )?last (?!year|month|week|time)(?=\w)|still)\b/i;
const EARLIEST = /\b(?:at first|originally|initially|in the beginning|at the (?:start|outset)|first|earliest|when (?:it|the \w+|they|he|she) (?:began|started|opened|launched)|began|launched)\b/i;

/**
 * Words that only ask for the present. Not "now" ("Which manager can users now import from?" is matched
 * by a passage saying "can now import"), nor "latest" ("the program's latest LTS version", as its passage
 * says): leaving either out lost a question's answer on the news pages. Nor "current" or "last".
 */
const ONLY_NOW = /\b(?:nowadays|at present|these days|most recent)\b/gi;

/** The question without its words for "now": they say when, not what. */
export function withoutNow(question: string): string {
  return question.replace(ONLY_NOW, ' ').replace(/\s+/g, ' ').replace(/ ([?.!,;:])/g, '$1').trim();
}

function dateSpan(text: string): { span: DaySpan; label: string; at: number; length: number } | null {
  let m = FULL_DATE.exec(text);
  if (m) {
    const iso = parseDateText(m[0]);
    const span = spanOf(iso);
    if (span) return { span, label: m[0], at: m.index, length: m[0].length };
  }
  m = MONTH_OF_YEAR.exec(text);
  if (m) {
    const span = spanOf(isoDate(+m[2], monthIndex(m[1])));
    if (span) return { span, label: m[0], at: m.index, length: m[0].length };
  }
  m = new RegExp(`\\b(?:the\\s+)?${YEAR}s\\b`, 'i').exec(text);
  if (m) return { span: { from: dayNumber(+m[1], 1, 1), to: dayNumber(+m[1] + 9, 12, 31) }, label: m[0], at: m.index, length: m[0].length };
  m = new RegExp(`(?<![\\d,.$£€])\\b${YEAR}\\b(?!\\d|,\\d|%|\\s*(?:percent|people|votes|metres|km|miles))`).exec(text);
  if (m) return { span: yearSpan(+m[1]), label: m[1], at: m.index, length: m[0].length };
  return null;
}

/** What the question asks about in time, if anything; `now` is a day number (default today). */
export function questionTime(question: string, now = todayDay()): TimeAsk | null {
  const q = question.replace(/\s+/g, ' ');
  const d = new Date(now * 86_400_000);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + 1;
  // A side of a date: "before 2021", "since March 2020".
  const found = dateSpan(q);
  if (found) {
    const side = new RegExp(`${SIDE.source}$`, 'i').exec(q.slice(0, found.at));
    if (side) {
      const w = side[1].toLowerCase();
      const before = ['before', 'until', 'till', 'prior to', 'up to', 'by'].includes(w);
      // "before 2013" ends as 2013 begins; "by 2013", "until 2013" take in 2013 itself.
      const last = w === 'before' || w === 'prior to' ? found.span.from - 1 : found.span.to;
      return before ? { kind: 'before', day: last, label: `${side[0]}${found.label}` } : { kind: 'after', day: w === 'after' ? found.span.to : found.span.from, label: `${side[0]}${found.label}` };
    }
    return { kind: 'period', span: found.span, label: found.label };
  }
  let m = /\b(last|this|next|previous|past)\s+year\b/i.exec(q);
  if (m) {
    const w = m[1].toLowerCase();
    const year = w === 'this' ? y : w === 'next' ? y + 1 : y - 1;
    return { kind: 'period', span: yearSpan(year), label: m[0], relative: true };
  }
  m = /\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+years?\s+ago\b/i.exec(q);
  if (m) {
    const n = NUMBER_WORDS[m[1].toLowerCase()] ?? Number(m[1]);
    return { kind: 'period', span: yearSpan(y - n), label: m[0], relative: true };
  }
  m = new RegExp(`\\b(last|this)\\s+${MONTH_RE}`, 'i').exec(q);
  if (m) {
    const month = monthIndex(m[2]);
    // "last June" is the June before this one (this year's, once it has begun); "this June", this year's.
    const year = m[1].toLowerCase() === 'this' ? y : month < mo ? y : y - 1;
    const span = spanOf(isoDate(year, month));
    if (span) return { kind: 'period', span, label: m[0], relative: true };
  }
  if (/\blast month\b/i.test(q)) {
    const span = spanOf(isoDate(mo === 1 ? y - 1 : y, mo === 1 ? 12 : mo - 1));
    if (span) return { kind: 'period', span, label: 'last month', relative: true };
  }
  if (LATEST.test(q)) return { kind: 'latest' };
  if (EARLIEST.test(q)) return { kind: 'earliest' };
  return null;
}

/** How a question's time reads in a reply ("2019", "before 2021"). */
export function timeLabel(t: TimeAsk): string {
  if (t.kind === 'latest') return 'the latest';
  if (t.kind === 'earliest') return 'the earliest';
  return t.label;
}
