// Paragraphs are the unit of quoting. Lines are merged back into paragraphs where a page wrapped them or
// left a fragment (a sub-heading, a three-word line), and paragraphs longer than the model reads are cut
// at sentence boundaries. Every passage is a contiguous slice of the source, so it can be checked.
import { sentenceSpans, type Span } from '../text/sentences.js';
import { wordCount } from '../text/normalize.js';
import type { Line } from './clean.js';

const TERMINAL = /[.!?…"”’)\]]$/;

/** WordPiece splits rare words and names into several pieces: count a little over one token per word. */
export function estimateTokens(text: string): number {
  const words = wordCount(text);
  const punct = (text.match(/[^\s\p{L}\p{N}]/gu) ?? []).length;
  // The length term keeps a run of letters with no spaces (a pasted blob) from counting as one word.
  return Math.ceil(Math.max(words * 1.3 + punct * 0.5, text.length / 6));
}

function onlySpaceBetween(text: string, a: Span, b: Span): boolean {
  return /^\s*$/.test(text.slice(a.end, b.start));
}

function isHeading(l: Line): boolean {
  return !l.bullet && l.words <= 12 && !TERMINAL.test(l.text) && !/[,;:]$/.test(l.text);
}

/** A table row as the HTML reader writes it ("cell | cell"). */
const TABLE_ROW = / \| /;

/** Merges wrapped lines, sub-headings and fragments into paragraphs; a list or table stays with its lead-in. */
export function toParagraphs(text: string, lines: Line[]): Span[] {
  const paras: Span[] = [];
  let pendingHeading: Span | null = null;
  let prev: Line | null = null;
  let listOpen = false; // the last paragraph is a lead-in ("…as follows:") with its items so far
  for (const line of lines) {
    const last = paras[paras.length - 1];
    const adjacent = prev !== null && last !== undefined && onlySpaceBetween(text, last, line);
    const item = line.bullet || TABLE_ROW.test(line.text);
    if (item && last && !pendingHeading && adjacent && (listOpen || /:$/.test(prev!.text))) {
      // The items of a list (or rows of a short table) belong with the sentence that introduces them.
      last.end = line.end;
      listOpen = true;
      prev = line;
      continue;
    }
    listOpen = false;
    // A line continues the previous one when the previous stops mid-sentence and this one starts in lower
    // case (a heading is never followed by that), or when the previous is a long line cut by wrapping.
    const wrapped =
      adjacent && !line.blankBefore && !line.bullet && prev !== null && !TERMINAL.test(prev.text) &&
      (/^\p{Ll}/u.test(line.text) || (prev.text.length >= 60 && !isHeading(prev)));
    if (wrapped) {
      last.end = line.end;
    } else if (pendingHeading && onlySpaceBetween(text, pendingHeading, line)) {
      paras.push({ start: pendingHeading.start, end: line.end });
      pendingHeading = null;
    } else if (isHeading(line) && line.words >= 1) {
      if (pendingHeading) paras.push(pendingHeading);
      pendingHeading = { start: line.start, end: line.end };
    } else if (line.words < 5 && adjacent && !line.bullet) {
      last.end = line.end; // a stray fragment belongs with the paragraph it follows
    } else {
      if (pendingHeading) paras.push(pendingHeading);
      pendingHeading = null;
      paras.push({ start: line.start, end: line.end });
    }
    prev = line;
  }
  if (pendingHeading) paras.push(pendingHeading);
  return paras;
}

/** Cuts a paragraph into pieces of at most `maxTokens`, at sentence boundaries where there are any. */
export function splitToFit(text: string, para: Span, maxTokens: number): Span[] {
  const slice = text.slice(para.start, para.end);
  if (estimateTokens(slice) <= maxTokens) return [para];
  const pieces: Span[] = [];
  let current: Span | null = null;
  const flush = () => {
    if (current) pieces.push(current);
    current = null;
  };
  for (const s of sentenceSpans(slice)) {
    const abs = { start: para.start + s.start, end: para.start + s.end };
    for (const part of hardSplit(text, abs, maxTokens)) {
      if (current && estimateTokens(text.slice(current.start, part.end)) <= maxTokens) {
        current.end = part.end;
      } else {
        flush();
        current = { ...part };
      }
    }
  }
  flush();
  return pieces;
}

/** A single "sentence" longer than the model reads (a table, a run-on line): cut between words. */
function hardSplit(text: string, span: Span, maxTokens: number): Span[] {
  if (estimateTokens(text.slice(span.start, span.end)) <= maxTokens) return [span];
  const out: Span[] = [];
  const wordRe = new RegExp(`\\S{1,${maxTokens * 4}}`, 'g');
  wordRe.lastIndex = span.start;
  let start = -1;
  let end = -1;
  let tokens = 0;
  let m: RegExpExecArray | null;
  while ((m = wordRe.exec(text)) && m.index < span.end) {
    const wEnd = Math.min(m.index + m[0].length, span.end);
    const t = estimateTokens(m[0]);
    if (start >= 0 && tokens + t > maxTokens) {
      out.push({ start, end });
      start = -1;
      tokens = 0;
    }
    if (start < 0) start = m.index;
    end = wEnd;
    tokens += t;
  }
  if (start >= 0) out.push({ start, end });
  return out;
}
