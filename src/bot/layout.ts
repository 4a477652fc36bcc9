// Lays an answer out as a Discord message that always fits Discord's limits. Article text is untrusted:
// it is escaped so it cannot format, link or mention. When the quotes do not fit, lower-ranked passages
// are dropped first; then a long passage is shortened around its marked sentence, cutting only between
// sentences and always showing "…" where text was left out.
import { escapeMarkdown, type APIEmbed } from 'discord.js';
import { asShown, paragraphs, type Answer, type QuotedPassage } from '../answer/compose.js';
import { sentenceSpans } from '../text/sentences.js';
import { SHARED } from '../store/types.js';
import { formatDate } from '../text/dates.js';

export const LIMITS = { content: 2000, title: 256, description: 4096, footer: 2048, total: 6000, embeds: 10 };

const ELLIPSIS = '…';
const COLOR = 0x2b6cb0;

/** Escapes markdown and defuses mention syntax (@everyone, <@id>) without changing what a reader sees. */
export function safe(text: string): string {
  return escapeMarkdown(text, {
    codeBlock: true, inlineCode: true, bold: true, italic: true, underline: true, strikethrough: true, spoiler: true,
    codeBlockContent: true, inlineCodeContent: true, escape: true, heading: true, bulletedList: true,
    numberedList: true, maskedLink: true,
  })
    .replace(/@(everyone|here)/gi, '@\u200b$1')
    .replace(/<(@[!&]?|#)(\d+)>/g, '<\u200b$1$2>')
    .replace(/\s+/g, ' ');
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}${ELLIPSIS}`;
}

interface Piece {
  start: number;
  end: number;
}

/** The quote with its marked sentences in bold, restricted to [from, to) with "…" where cut. */
function renderQuote(p: QuotedPassage, from = 0, to = p.text.length): string {
  let out = '';
  let at = from;
  for (const h of p.highlight) {
    const s = Math.max(h.start, from);
    const e = Math.min(h.end, to);
    if (e <= s) continue;
    out += safe(p.text.slice(at, s)) + '**' + safe(p.text.slice(s, e)).trim() + '**';
    at = e;
  }
  out += safe(p.text.slice(at, to));
  out = out.replace(/\*\*\s+\*\*/g, ' ').trim();
  return `${from > 0 ? ELLIPSIS + ' ' : ''}${out}${to < p.text.length ? ' ' + ELLIPSIS : ''}`;
}

/** An http(s) address fit for a masked link, or null: article metadata is untrusted. */
export function linkable(url: string | null): string | null {
  if (!url || url.length > 512) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return u.toString().replace(/[()<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  } catch {
    return null;
  }
}

/**
 * "Title — Outlet, date, ¶n (file)", the title linking to the article's page when it is known (a masked
 * link in angle brackets, so Discord shows no preview of the page), and the library when it is the server's.
 */
export function citationLine(p: QuotedPassage): string {
  const url = linkable(p.url);
  const title = safe(p.title).replace(/(?<!\\)[[\]]/g, '\\$&');
  const where = safe([p.source, formatDate(p.date), paragraphs(p)].filter(Boolean).join(', '));
  const lib = p.library === SHARED ? '' : ' · this server';
  return `*${url ? `[${title}](<${url}>)` : title} — ${where} (${safe(p.file)})${lib}*`;
}

function block(p: QuotedPassage, quote: string): string {
  return `**[${p.rank}]** “${quote}”\n${citationLine(p)}`;
}

/**
 * The widest run of whole sentences around the marked one(s) that renders within `budget` characters.
 * A single sentence longer than the budget is cut between words, with the ellipsis showing the cut.
 */
export function shortenQuote(p: QuotedPassage, budget: number): string {
  const full = renderQuote(p);
  if (full.length <= budget) return full;
  const sentences: Piece[] = sentenceSpans(p.text);
  if (!sentences.length) return clip(full, budget);
  const marked = p.highlight[0] ?? sentences[0];
  let lo = sentences.findIndex((s) => s.end > marked.start);
  if (lo < 0) lo = 0;
  let hi = lo;
  if (renderQuote(p, sentences[lo].start, sentences[hi].end).length > budget) {
    // Even the marked sentence alone is too long: show its beginning, cut between words (binary search
    // over word ends, since rendering escapes the text each time).
    const s = sentences[lo];
    const ends: number[] = [];
    for (const m of p.text.slice(s.start, s.end).matchAll(/\S+/g)) ends.push(s.start + m.index + m[0].length);
    let good = 0;
    let bad = ends.length;
    while (bad - good > 1) {
      const mid = (good + bad) >> 1;
      if (renderQuote(p, s.start, ends[mid - 1]).length <= budget) good = mid;
      else bad = mid;
    }
    return good > 0 ? renderQuote(p, s.start, ends[good - 1]) : clip(renderQuote(p, s.start, s.end), budget);
  }
  for (let grew = true; grew; ) {
    grew = false;
    if (hi + 1 < sentences.length && renderQuote(p, sentences[lo].start, sentences[hi + 1].end).length <= budget) {
      hi++;
      grew = true;
    }
    if (lo > 0 && renderQuote(p, sentences[lo - 1].start, sentences[hi].end).length <= budget) {
      lo--;
      grew = true;
    }
  }
  return renderQuote(p, sentences[lo].start, sentences[hi].end);
}

export interface AnswerLayout {
  embeds: APIEmbed[];
  /** Passages left out to fit (they remain available through "More sources"). */
  shown: QuotedPassage[];
  shortened: boolean;
}

function embedSize(e: APIEmbed): number {
  return (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
}

export function layoutAnswer(answer: Answer, opts: { footer?: string } = {}): AnswerLayout {
  const title = clip(safe(answer.question), LIMITS.title);
  const footerText = clip(opts.footer ?? 'Quoted verbatim from the articles', LIMITS.footer);
  const budget = Math.min(LIMITS.description, LIMITS.total - title.length - footerText.length);
  // The first quote with its context, as one text (answer/compose.ts asShown).
  let shown = answer.passages.map(asShown);
  const render = (ps: QuotedPassage[]) => ps.map((p) => block(p, renderQuote(p))).join('\n\n');
  while (shown.length > 1 && render(shown).length > budget) shown = shown.slice(0, -1);
  let description = render(shown);
  let shortened = false;
  if (description.length > budget && shown.length === 1) {
    const p = shown[0];
    const overhead = block(p, '').length;
    description = block(p, shortenQuote(p, budget - overhead));
    shortened = true;
  }
  const embed: APIEmbed = { title, description, color: COLOR, footer: { text: footerText } };
  if (embedSize(embed) > LIMITS.total) embed.description = clip(description, LIMITS.total - title.length - footerText.length);
  return { embeds: [embed], shown, shortened };
}

/** "Not in the articles", with the closest article titles so the reader knows what is there. */
export function notFoundContent(answer: Answer): string {
  const lines = [safe(answer.message ?? "I couldn't find that in the articles.")];
  if (answer.closest.length) {
    lines.push(`The closest articles are: ${answer.closest.map((c) => `*${safe(c.title)}*`).join(', ')}.`);
  }
  return clip(lines.join('\n'), LIMITS.content);
}

/** The full text of passages, split into embeds (and messages) that fit, each part marked. */
export function fullTextMessages(passages: QuotedPassage[]): APIEmbed[][] {
  const messages: APIEmbed[][] = [];
  let current: APIEmbed[] = [];
  let size = 0;
  const push = (e: APIEmbed) => {
    const n = embedSize(e);
    if (current.length >= LIMITS.embeds || size + n > LIMITS.total) {
      messages.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += n;
  };
  for (const p of passages) {
    const title = clip(safe(`[${p.rank}] ${p.title}`), LIMITS.title);
    const footer = clip(safe(p.citation), LIMITS.footer);
    const room = Math.min(LIMITS.description, LIMITS.total - title.length - footer.length) - 8;
    const parts: string[] = [];
    let chunk = '';
    for (const s of sentenceSpans(p.text)) {
      const piece = safe(p.text.slice(s.start, s.end));
      for (let i = 0; i < piece.length; i += room) {
        const bit = piece.slice(i, i + room);
        if (chunk && chunk.length + 1 + bit.length > room) {
          parts.push(chunk);
          chunk = '';
        }
        chunk = chunk ? `${chunk} ${bit}` : bit;
      }
    }
    if (chunk) parts.push(chunk);
    parts.forEach((part, i) =>
      push({
        title: parts.length > 1 ? clip(`${title} (${i + 1}/${parts.length})`, LIMITS.title) : title,
        description: part,
        color: COLOR,
        footer: { text: footer },
      }),
    );
  }
  if (current.length) messages.push(current);
  return messages;
}

/** Entries of a timeline on one page of Discord: few enough that each quote keeps its context. */
export const TIMELINE_PER_PAGE = 5;
/** A timeline entry's quote is shortened to this, around its marked sentence. */
const TIMELINE_QUOTE = 600;

/** One page of a timeline: each article's date in bold, its quote, its citation; oldest first. */
export function timelinePage(topic: string, entries: readonly QuotedPassage[], page: number): { embed: APIEmbed; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(entries.length / TIMELINE_PER_PAGE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const lines = entries.slice(p * TIMELINE_PER_PAGE, (p + 1) * TIMELINE_PER_PAGE).map((e) => `**${safe(formatDate(e.date) ?? 'Undated')}**\n“${shortenQuote(e, TIMELINE_QUOTE)}”\n${citationLine(e)}`);
  const embed: APIEmbed = {
    title: clip(safe(`Timeline: ${topic}`), LIMITS.title),
    description: clip(lines.join('\n\n'), LIMITS.description),
    color: COLOR,
    footer: { text: `${entries.length} article${entries.length === 1 ? '' : 's'}, oldest first · page ${p + 1} of ${pages}` },
  };
  return { embed, page: p, pages };
}
