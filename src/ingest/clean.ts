// Turns a scraped page into the article it carries: body lines kept verbatim (as offsets into the source),
// page furniture dropped, and what the furniture says about the article (headline, outlet, date, byline)
// kept as metadata. Every rule here answers something seen in real scraped news pages.
import { isoDate, MONTH_RE, monthIndex } from '../text/dates.js';
import { letterKey, wordCount } from '../text/normalize.js';
import { sentenceSpans } from '../text/sentences.js';
import type { ArticleMeta, SourceText } from './types.js';

export interface Line {
  start: number;
  end: number;
  text: string;
  blankBefore: boolean;
  bullet: boolean;
  words: number;
}

export interface CleanResult {
  meta: ArticleMeta;
  /** Body lines in order, each trimmed of datelines and end markers. */
  body: Line[];
  /** What was dropped and why, for `--verbose` and for tests. */
  dropped: { text: string; reason: string }[];
}

const BULLET = /^(?:[•·▪●◦‣∙*+]|[-–—](?=\s)|\d{1,2}[.)](?=\s))\s*/;
const TERMINAL = /[.!?…:;"”’)\]]$/;
const CAPTION = [
  /\((?:photo|photos|ảnh|image|pic|picture|illustration|illustrative photo|file photo|video)\b[^)]*\)\s*\|?$/i,
  /\bảnh \d+/i,
  /[-–—|]\s*(?:photo|ảnh|image)\s*:\s*[^.]{1,60}$/i,
  /^(?:photo|ảnh|image|caption)\s*:/i,
];
const SHARE =
  /^(?:mời (?:quý )?(?:độc giả|bạn đọc)|theo dõi|follow (?:us|.{1,30} on)|share (?:this|on|via)|subscribe|sign up|like us|join us|download (?:the|our) app|click here|print this|email this|tags?:)/i;
const RELATED =
  /^(?:related(?: news| articles| stories| posts| content)?|read more|read also|see more|see also|more news|more stories|more from .{1,30}|you may also like|you might also like|recommended(?: for you)?|most read|most viewed|latest news|other news|tin liên quan|xem thêm|tin cùng chuyên mục|bài liên quan|đọc thêm)\s*:?$/i;
const BYLINE = /^(?:[Bb]y|[Ww]ritten by|[Rr]eported by|[Ss]tory by|[Tt]ext by|[Pp]osted by)\s+(\p{Lu}[\p{L}'.-]*(?:\s+\p{Lu}[\p{L}'.-]*){0,4})\s*$/u;
const SIGNATURE = /^([A-Z]{2,6}(?:\.[A-Z]{2,3})?)\/?\.?$/;
const END_MARKER = /\s*\.?\/\.$/; // Vietnamese wire copy ends paragraphs with "./."
// "VGP – ", "VOV.VN - ", "Washington D.C (VNA) – ", "HANOI, June 4 (Reuters) - "
const DATELINE = [
  /^([A-Z][A-Z]{1,9}(?:\.[A-Z]{2,3})?)\s*[–—-]\s+(?=\S)/,
  /^[^()\n]{0,60}?\(([A-Z][A-Za-z.]{1,15}(?:\s[A-Z][A-Za-z.]{1,15}){0,2})\)\s*[–—-]\s+(?=\S)/,
];

const isoDay = (y: number, m: number, d: number) => (y < 1900 || y > 2100 ? null : isoDate(y, m, d));

/** A date written out in a line (November 20, 2019 / 20 November 2019 / 20/11/2019 / 2019-11-20). */
export function findDate(text: string): { iso: string; match: string } | null {
  let m = new RegExp(`\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'i').exec(text);
  if (m) {
    const iso = isoDay(+m[3], monthIndex(m[1]), +m[2]);
    if (iso) return { iso, match: m[0] };
  }
  m = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH_RE},?\\s+(\\d{4})\\b`, 'i').exec(text);
  if (m) {
    const iso = isoDay(+m[3], monthIndex(m[2]), +m[1]);
    if (iso) return { iso, match: m[0] };
  }
  m = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(text);
  if (m) {
    const iso = isoDay(+m[1], +m[2], +m[3]);
    if (iso) return { iso, match: m[0] };
  }
  m = /\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/.exec(text); // day first, as Vietnamese and most non-US outlets write it
  if (m) {
    const iso = isoDay(+m[3], +m[2], +m[1]);
    if (iso) return { iso, match: m[0] };
  }
  return null;
}

/**
 * A day and month as a dateline or a lead writes it, with its year when it has one ("June 4", "4 June",
 * "Monday, June 4, 2012", "September 6-11"): ISO, without the year when none is written ("--06-04").
 */
function dayAndMonth(text: string): string | null {
  const full = findDate(text);
  if (full) return full.iso;
  let m = new RegExp(`\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?!\\s*[,:]?\\s*\\d{3})`, 'i').exec(text);
  if (m) return isoDate(null, monthIndex(m[1]), +m[2]);
  m = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}(?!\\s*[,:]?\\s*\\d{3})`, 'i').exec(text);
  if (m) return isoDate(null, monthIndex(m[2]), +m[1]);
  return null;
}

/** The date the lead's first sentence gives its news ("held talks … in Hanoi on June 4."), if any. */
const LEAD_DATE = new RegExp(`\\b(?:on|from)\\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\\s+)?(?:the\\s+)?(${MONTH_RE}\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}(?:,?\\s+\\d{4})?)`, 'i');

const TIME = /\b\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?(?=\W|$)|\b\d{1,2}\s*[ap]\.m\.(?=\W|$)|\b\d{1,2}\s*(?:am|pm)\b/gi;
const NUMERIC_DATE = /\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b|\b\d{4}[./-]\d{1,2}[./-]\d{1,2}(?:t[\d:.]+z?)?\b/gi;
const MONTH_DAY = new RegExp(`\\b${MONTH_RE}\\s+\\d{1,2}(?:st|nd|rd|th)?\\b|\\b\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH_RE}\\b`, 'gi');
const META_WORDS = /\b(?:gmt|utc)\s*[+-]\s*\d{1,2}(?::?\d\d)?|\b(?:updated|published|posted|last updated|modified|first published|created|on|at|as of|and|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|today|yesterday|gmt|utc|ict|est|edt|cst|cdt|mst|mdt|pst|pdt|bst|cet|cest|ist|aest|et|ct|pt)\b/gi;

/**
 * A line that is only a publication date/time ("November 20, 2019 4:10 PM GMT+7", "Updated: 20/11/2019",
 * "Updated Nov 19, 9:41 AM; Posted Nov 18, 8:19 PM", "Updated at 1:23 p.m."): its date, or '' when it has a
 * time but no full date, or null when the line says something else.
 */
function dateLine(text: string): string | null {
  if (wordCount(text) > 16) return null;
  const found = findDate(text);
  let rest = text;
  if (found) rest = rest.replace(found.match, ' ');
  const before = rest;
  rest = rest.replace(NUMERIC_DATE, ' ').replace(MONTH_DAY, ' ').replace(TIME, ' ');
  if (!found && rest === before) return null; // neither a date nor a time
  rest = rest.replace(META_WORDS, ' ').replace(/\b(?:19|20)\d{2}\b/g, ' ').replace(/[^\p{L}\p{N}]+/gu, '');
  return rest.length === 0 ? (found?.iso ?? '') : null;
}

/**
 * "By Justine Coleman - 11/18/19 11:04 PM EST", "by Regan September 15, 2014", "By Matthew Digby, Minh Do on
 * Monday, November 18th, 2019", "Posted on March 30, 2015 by Admin": a byline with its date, or null.
 */
function datedByline(text: string): { byline: string; date: string } | null {
  if (wordCount(text) > 24) return null;
  const by = /^(?:by|posted by|written by)\s+(.+)$/iu.exec(text);
  if (by) {
    const words = by[1].split(/\s+/);
    for (let k = 1; k <= Math.min(8, words.length - 1); k++) {
      const name = words.slice(0, k).join(' ').replace(/\s*[,;]$/, '');
      if (!/^\p{Lu}/u.test(name) || !/^[\p{L}'.,\s-]+$/u.test(name)) break;
      const rest = words.slice(k).join(' ').replace(/^(?:[-–—|,•·]|on\b)\s*/i, '');
      const d = dateLine(rest);
      if (d !== null) return { byline: name.replace(/\s+,/g, ','), date: d };
    }
  }
  const after = /^(.+?)\s+by\s+(\p{Lu}[\p{L}'.-]*(?:\s+\p{Lu}[\p{L}'.-]*){0,3})$/u.exec(text);
  if (after && /\b(?:19|20)\d{2}\b/.test(after[1])) {
    const d = dateLine(after[1].replace(/\b\p{Lu}\p{Ll}{2,9}\s+(?=\d{1,2},?\s+(?:19|20)\d{2})/u, ''));
    if (d !== null) return { byline: after[2], date: d };
  }
  return null;
}

function splitLines(text: string, from: number): Line[] {
  const lines: Line[] = [];
  let blank = true;
  const re = /[^\r\n]*(?:\r\n|\r|\n|$)/g;
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && m.index < text.length) {
    const raw = m[0].replace(/[\r\n]+$/, '');
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (!body) {
      blank = true;
    } else {
      const start = m.index + lead;
      const bulletMatch = BULLET.exec(body);
      lines.push({
        start,
        end: start + body.length,
        text: body,
        blankBefore: blank,
        bullet: !!bulletMatch,
        words: wordCount(body),
      });
      blank = false;
    }
    if (m[0].length === 0) re.lastIndex++;
  }
  return lines;
}

const isShortItem = (l: Line) => l.words <= 12 && !/[.!?]$/.test(l.text);

function headlineLike(l: Line): boolean {
  return !l.bullet && l.words >= 2 && l.words <= 25 && !/[.,;:]$/.test(l.text) && /^[\p{Lu}\d“"‘']/u.test(l.text);
}

/** Moves a line's start past `n` characters, keeping it trimmed. */
function trimStart(l: Line, n: number): Line {
  const text = l.text.slice(n);
  const lead = text.length - text.trimStart().length;
  return { ...l, start: l.start + n + lead, text: text.trim(), words: wordCount(text) };
}

function normaliseOutlet(name: string): string {
  return name.replace(/\.(?:vn|com|net|org)$/i, '');
}

function fallbackTitle(body: Line[], file: string): string {
  const first = body[0]?.text;
  if (!first) return file;
  const sentence = /^.*?[.!?](?=\s|$)/.exec(first)?.[0] ?? first;
  if (sentence.length <= 80) return sentence.replace(/[.]$/, '');
  const cut = sentence.slice(0, 78);
  return `${cut.slice(0, cut.lastIndexOf(' '))}…`;
}

export function clean(source: SourceText): CleanResult {
  const dropped: CleanResult['dropped'] = [];
  const drop = (l: Line, reason: string) => dropped.push({ text: l.text, reason });
  let lines = splitLines(source.text, source.bodyStart);

  // Navigation menus and teaser lists: runs of three or more short bullet lines, or of five or more
  // very short lines (a list of provinces, "Vietnam, China hold 4th…" headlines of other stories). In a
  // web page the markup has already told menus (link lists) from the article's own lists, which stay.
  const keep = new Array<boolean>(lines.length).fill(true);
  for (let i = 0; i < lines.length && source.format !== 'html'; ) {
    let j = i;
    while (j < lines.length && lines[j].bullet && isShortItem(lines[j])) j++;
    if (j - i >= 3) {
      for (let k = i; k < j; k++) keep[k] = false;
      dropped.push({ text: `${j - i} list items from "${lines[i].text}"`, reason: 'navigation list' });
      i = j;
      continue;
    }
    j = i;
    while (j < lines.length && !lines[j].bullet && lines[j].words <= 4 && !TERMINAL.test(lines[j].text)) j++;
    if (j - i >= 5) {
      for (let k = i; k < j; k++) keep[k] = false;
      dropped.push({ text: `${j - i} menu lines from "${lines[i].text}"`, reason: 'navigation list' });
      i = j;
      continue;
    }
    i++;
  }
  lines = lines.filter((_, i) => keep[i]);

  let title = source.meta.title ?? null;
  let outlet = source.meta.source ?? null;
  let date = source.meta.date ?? null;
  let byline = source.meta.byline ?? null;
  let datelineDate: string | null = null; // "HANOI, June 4 (VNA) –"
  let sawBody = false;
  const body: Line[] = [];
  const seen = new Set<string>(); // letter keys of kept body lines
  const titleKeys = new Set<string>();
  if (title) titleKeys.add(letterKey(title));

  for (let line of lines) {
    const heading = /^#{1,6}\s+/.exec(line.text); // Markdown heading marks are not part of the words
    if (heading && source.format === 'md') line = trimStart(line, heading[0].length);
    const text = line.text;
    if (RELATED.test(text) && sawBody) {
      dropped.push({ text, reason: 'related-stories block (dropped to the end)' });
      break;
    }
    if (CAPTION.some((re) => re.test(text)) && line.words <= 60) {
      drop(line, 'photo caption');
      continue;
    }
    if (SHARE.test(text) && line.words <= 15) {
      drop(line, 'share/subscribe line');
      continue;
    }
    const byMatch = BYLINE.exec(text);
    if (byMatch) {
      byline ??= byMatch[1];
      drop(line, 'byline');
      continue;
    }
    const dated = datedByline(text);
    if (dated) {
      byline ??= dated.byline;
      date ??= dated.date || null;
      drop(line, 'byline and date');
      continue;
    }
    const sig = SIGNATURE.exec(text);
    if (sig) {
      outlet ??= normaliseOutlet(sig[1]);
      drop(line, 'outlet signature');
      continue;
    }
    const lineDate = dateLine(text);
    if (lineDate !== null) {
      if (lineDate) date ??= lineDate;
      drop(line, 'date line');
      continue;
    }
    const key = letterKey(text);
    if (titleKeys.has(key)) {
      drop(line, 'repeated headline');
      continue;
    }
    if (!sawBody && !title && headlineLike(line)) {
      title = text;
      titleKeys.add(key);
      drop(line, 'headline (kept as title)');
      continue;
    }
    for (const re of DATELINE) {
      const m = re.exec(line.text);
      if (m && line.words - wordCount(m[0]) >= 4) {
        outlet ??= normaliseOutlet(m[1]);
        datelineDate ??= dayAndMonth(m[0]);
        line = trimStart(line, m[0].length);
        break;
      }
    }
    const marker = END_MARKER.exec(line.text);
    if (marker) {
      const keepDot = marker[0].trimStart().startsWith('./') ? 1 : 0;
      const cut = marker[0].length - keepDot - (marker[0].length - marker[0].trimStart().length);
      line = { ...line, end: line.end - cut, text: line.text.slice(0, line.text.length - cut).trimEnd() };
      line.end = line.start + line.text.length;
    }
    const lineKey = letterKey(line.text);
    if (!lineKey) {
      drop(line, 'no words');
      continue;
    }
    if (seen.has(lineKey)) {
      drop(line, 'duplicate paragraph');
      continue;
    }
    // The same paragraph twice with different spacing (a lead repeated as the first body paragraph, with
    // its dateline already cut off above), or once inside a longer copy: keep the fuller one.
    if (lineKey.length >= 40) {
      let handled = false;
      for (let k = Math.max(0, body.length - 30); k < body.length; k++) {
        const prevKey = letterKey(body[k].text);
        if (prevKey.includes(lineKey)) {
          drop(line, 'duplicate paragraph');
          handled = true;
          break;
        }
        if (lineKey.includes(prevKey) && prevKey.length >= 40) {
          dropped.push({ text: body[k].text, reason: 'duplicate paragraph (a fuller copy follows)' });
          seen.delete(prevKey);
          body.splice(k, 1);
          break;
        }
      }
      if (handled) continue;
    }
    seen.add(lineKey);
    body.push(line);
    if (!headlineLike(line)) sawBody = true;
  }

  // Without a date in the metadata, a date line or a dateline: the date the lead gives its news ("held
  // talks … in Hanoi on June 4."), from its first sentence only, with no year unless it writes one (a
  // year elsewhere in the body is another event's).
  if (!date && !datelineDate) {
    const lead = body.find((l) => !headlineLike(l) && l.words >= 8);
    const first = lead ? lead.text.slice(0, sentenceSpans(lead.text)[0]?.end ?? lead.text.length) : '';
    const m = LEAD_DATE.exec(first);
    if (m) datelineDate = dayAndMonth(m[1]);
  }
  date ??= datelineDate;
  const titleIsFallback = !title;
  const tidy = (v: string | null) => (v === null ? null : v.replace(/\s+/g, ' ').trim()); // no-break spaces from HTML
  return {
    meta: {
      title: tidy(title ?? fallbackTitle(body, source.file))!,
      titleIsFallback,
      source: tidy(outlet),
      date,
      url: source.meta.url ?? null,
      byline: tidy(byline),
    },
    body,
    dropped,
  };
}

