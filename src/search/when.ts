// Putting the re-ranked passages in time. Similarity alone cannot tell the 2015 fare from the 2019 one, or
// the latest report from the first: among the passages that answer about as well as the best (the
// "relevant" ones, within a margin of its score), the question's time picks which comes first. A passage
// speaks of the dates it mentions ("last year" in a report dated January 2021 is 2020), else of its
// article's date; an article whose page printed no year is placed by the latest year it mentions.
import type { ArticleRecord } from '../store/types.js';
import { analyze } from '../text/terms.js';
import { dayNumber, mentionedDates, overlaps, spanOf, type DaySpan } from '../text/dates.js';
import type { Fused } from './fuse.js';
import type { TimeAsk } from './time.js';

/**
 * A passage counts as answering about as well as the best when the re-ranker's probability for it is at
 * least `floor`, and no more than `drop` below the best's (tuned by scripts/eval-time.ts; the re-ranker's
 * probabilities for passages on the question's subject crowd near 1).
 */
export const RELEVANT = { floor: 0.5, drop: 0.02, cosine: 0.16 };
/**
 * Wider: where none of the relevant passages is of the time asked about, one of these that is takes the
 * lead before the answer is declared missing ("in 2019" when the 2019 article writes "Viet Nam"). Their
 * articles must hold nearly as much of the question's words as the best-covered (within `context`): the
 * same town's bridge is not its ferry, however near in meaning.
 */
export const RELATED = { floor: 0.5, drop: 0.3, cosine: 0.2, context: 0.3 };
/** At most this many of the best are weighed by time. */
const RELEVANT_MAX = 12;

export interface PassageTime {
  /** The article's date as days, when it has a year. */
  article: DaySpan | null;
  /** The dates the passage mentions. */
  mentions: DaySpan[];
  /** Where the article sits in time for "latest"/"earliest": its date, else the latest year it mentions. */
  at: number | null;
  /** The passage's text, lower-cased. */
  text: string;
  /** Its article's place in a numbered series ("12th … Dialogue"), read from the title. */
  series: Series | null;
}

/** An article of a recurring, numbered event: the title's words but the number, and the number. */
export interface Series {
  key: ReadonlySet<string>;
  n: number;
}

const ORDINAL_WORDS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth'];
const ORDINAL = new RegExp(`\\b(?:(\\d{1,3})(?:st|nd|rd|th)|(${ORDINAL_WORDS.join('|')}))\\b`, 'i');

/**
 * "Vietnam, US hold 12th Political, Security, Defence Dialogue": the 12th of a series whose other
 * articles have the same title but the number. Newsrooms number recurring events (dialogues, rounds of
 * talks, congresses, summits) in their titles; the number orders them when the page prints no year.
 */
export function seriesOf(title: string | null | undefined): Series | null {
  const m = title ? ORDINAL.exec(title) : null;
  if (!m || !title) return null;
  const n = m[1] ? Number(m[1]) : ORDINAL_WORDS.indexOf(m[2].toLowerCase()) + 1;
  const key = new Set(analyze(title.slice(0, m.index) + ' ' + title.slice(m.index + m[0].length)));
  return key.size >= 2 ? { key, n } : null;
}

/** Same series: nearly the same words around the number (Jaccard ≥ 0.7; "the 10th" and "12th" alike). */
export function sameSeries(a: Series, b: Series): boolean {
  let both = 0;
  for (const t of a.key) if (b.key.has(t)) both++;
  return both / (a.key.size + b.key.size - both) >= 0.7;
}

export function passageTime(f: Fused, article: ArticleRecord | undefined, articleMentions?: readonly DaySpan[]): PassageTime {
  const date = article?.date ?? null;
  const span = spanOf(date); // null without a year ("--06-04")
  const mentions = mentionedDates(f.passage.text, date).map(({ from, to }) => ({ from, to }));
  let at = span ? span.from : null;
  if (at === null) {
    const years = [...(articleMentions ?? []), ...mentions].filter((m) => m.to - m.from < 370).map((m) => m.from);
    // A month and day printed without the year ("--03-25") still orders articles of the same year.
    const md = date && /^--(\d{2})-(\d{2})$/.exec(date);
    if (years.length) {
      const y = new Date(Math.max(...years) * 86_400_000).getUTCFullYear();
      at = md ? dayNumber(y, +md[1], +md[2]) : dayNumber(y, 1, 1);
    }
  }
  return { article: span, mentions, at, text: f.passage.text.toLowerCase(), series: seriesOf(article?.title) };
}

/**
 * How well a passage's time fits a period: 2 it speaks of it (or is of it, mentioning no other time), 1
 * its article is of it, or the passage says "this year" or "the past year" as the question does (people
 * ask in the words they read, about the article's own time), 0 none of these.
 */
function periodFit(t: PassageTime, ask: Extract<TimeAsk, { kind: 'period' }>): number {
  const period = ask.span;
  if (t.mentions.some((m) => overlaps(m, period))) return 2;
  if (t.article && overlaps(t.article, period)) return t.mentions.length ? 1 : 2;
  if (ask.relative && t.text.includes(ask.label.toLowerCase().replace(/^the\s+/, ''))) return 1;
  return 0;
}

/** Before or after a day: the article's date, else (or as well) the dates the passage speaks of. */
function sideFit(t: PassageTime, ask: { kind: 'before' | 'after'; day: number }): number {
  const ok = (s: DaySpan) => (ask.kind === 'before' ? s.from <= ask.day : s.to >= ask.day);
  if (t.article && ok(t.article)) return 2;
  return t.mentions.length && t.mentions.some(ok) ? 1 : 0;
}

export interface TimeOrder {
  /** Indices into the ranking, the passages that fit the question's time first. */
  order: number[];
  /** False when relevant passages come from dated articles and none fits: no article speaks of that time. */
  covered: boolean;
}

/**
 * Which of the best of `ranking` (by the re-ranker's probabilities, best first) answer about as well as
 * the first. Passages about another town's ferry score alike: their articles must name what the question
 * names (`about`), and a passage must be about as near the question in meaning as the nearest of them
 * (cosine within `cosine`): the ferry's fare is not the latest figure for the same town's bridge.
 */
export function relevantOf<F extends Pick<Fused, 'score' | 'cosine' | 'context'>>(ranking: readonly F[], n = RELEVANT_MAX, about: (f: F) => boolean = () => true, bars: typeof RELEVANT & { context?: number } = RELEVANT): number[] {
  const m = Math.min(n, ranking.length);
  const named = [...Array(m).keys()].filter((i) => about(ranking[i]));
  const bar = Math.max(bars.floor, (ranking[named[0]]?.score ?? 0) - bars.drop);
  const likely = named.filter((i) => ranking[i].score >= bar);
  const nearest = Math.max(0, ...likely.map((i) => ranking[i].cosine));
  const covered = Math.max(0, ...likely.map((i) => ranking[i].context));
  return likely.filter((i) => ranking[i].cosine >= nearest - bars.cosine && ranking[i].context >= covered - (bars.context ?? 1));
}

/**
 * Reorders the best of `ranking` (scored by the re-ranker's probabilities; `times` for the first of them)
 * for the question's time. Only the relevant ones move; the rest keep their places after them.
 */
export function orderInTime(ranking: readonly Fused[], times: readonly PassageTime[], ask: TimeAsk, about?: (f: Fused) => boolean): TimeOrder {
  const relevant = relevantOf(ranking, Math.min(RELEVANT_MAX, times.length), about);
  const rest = ranking.map((_, i) => i).filter((i) => !relevant.includes(i));
  if (!relevant.length) return { order: rest, covered: true };
  if (ask.kind === 'latest' || ask.kind === 'earliest') {
    const sign = ask.kind === 'latest' ? -1 : 1;
    // A numbered series is ordered by its numbers (its members may come from beyond the relevant ones),
    // anything else by where its articles sit in time.
    const series = seriesFirst(ranking, times, relevant, about);
    const when = series ? (i: number) => times[i].series!.n : (i: number) => times[i].at;
    const placed = series ?? relevant.filter((i) => when(i) !== null);
    if (!placed.length) return { order: [...relevant, ...rest], covered: true };
    const best = placed.reduce((a, b) => (sign * (when(b)! - when(a)!) < 0 ? b : a));
    // The article of the right time first, its other passages next, then the rest as ranked.
    const lead = [best, ...(series ?? relevant).filter((i) => i !== best && when(i) === when(best))];
    return { order: [...lead, ...relevant.filter((i) => !lead.includes(i)), ...rest.filter((i) => !lead.includes(i))], covered: true };
  }
  const fitOf = (i: number) => (ask.kind === 'period' ? periodFit(times[i], ask) : sideFit(times[i], ask));
  const fit = relevant.map(fitOf);
  const top = Math.max(...fit);
  if (top === 0) {
    const related = relevantOf(ranking, Math.min(RELEVANT_MAX, times.length), about, RELATED).filter((i) => !relevant.includes(i));
    const fitting = related.filter((i) => fitOf(i) > 0).sort((a, b) => fitOf(b) - fitOf(a) || a - b);
    if (fitting.length) return { order: [...fitting, ...relevant, ...rest.filter((i) => !fitting.includes(i))], covered: true };
    // Articles with a date say what time they are of. Dates a passage mentions do too when the question
    // names its time ("in 2009" of a passage about 2018), but not for "this year": a festival "first held
    // in 1998" says nothing of which year its article calls "this year".
    const absolute = !(ask.kind === 'period' && ask.relative);
    const dated = relevant.some((i) => times[i].article || (absolute && times[i].mentions.length));
    return { order: [...relevant, ...rest], covered: !dated };
  }
  const first = relevant.filter((_, j) => fit[j] === top);
  // The others follow, as ranked: a passage need not name the year to hold what was asked of it.
  return { order: [...first, ...relevant.filter((_, j) => fit[j] !== top), ...rest], covered: true };
}

/**
 * When the best passage's article is one of a numbered series and others of the series are among the
 * candidates that could answer (probability at least the floor, naming what the question names), those
 * passages: "the most recent dialogue" is the 12th, though the 10th's passage reads nearer the question
 * (its own words, "agreeing to hold the 11th dialogue"). Null when there is no such series.
 */
function seriesFirst(ranking: readonly Fused[], times: readonly PassageTime[], relevant: readonly number[], about?: (f: Fused) => boolean): number[] | null {
  const lead = relevant.length ? times[relevant[0]].series : null;
  if (!lead) return null;
  const members = [...times.keys()].filter((i) => {
    const s = times[i].series;
    return s && (i === relevant[0] || (ranking[i].score >= RELEVANT.floor && (!about || about(ranking[i])) && sameSeries(lead, s)));
  });
  return new Set(members.map((i) => times[i].series!.n)).size >= 2 ? members : null;
}

/**
 * `items` (in date order) with the articles of each numbered series, where one of them has no year to go
 * by, put in the order of their numbers within the places they hold: the years such pages mention (the
 * next meeting's, the year the series began) say little of when they were written.
 */
export function inSeriesOrder<T>(items: readonly T[], timeOf: (x: T) => PassageTime): T[] {
  const out = [...items];
  const done = new Set<number>();
  items.forEach((x, i) => {
    const lead = timeOf(x).series;
    if (!lead || done.has(i)) return;
    const slots = [...items.keys()].filter((j) => !done.has(j) && timeOf(items[j]).series && sameSeries(lead, timeOf(items[j]).series!));
    slots.forEach((j) => done.add(j));
    if (slots.length < 2 || slots.every((j) => timeOf(items[j]).article)) return;
    const byNumber = [...slots].sort((a, b) => timeOf(items[a]).series!.n - timeOf(items[b]).series!.n || a - b);
    slots.forEach((slot, k) => (out[slot] = items[byNumber[k]]));
  });
  return out;
}
