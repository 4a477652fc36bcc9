// A saved web page in, its article out. Mozilla Readability (the Firefox reader view), on linkedom's fast DOM,
// finds the article; what Readability leaves of the page around it (captions, credits, share bars,
// newsletter boxes, related-story promos, price boxes, link lists) is removed after it by general rules:
// markup hints (element, class, id, role, aria), link density, and boilerplate lines seen on many sites.
// The page's own metadata gives title, outlet, byline, date and canonical address.
import { createRequire } from 'node:module';
import { httpUrl } from '../text/address.js';
import { boilerplateLine } from './boilerplate.js';
import { findDate } from './clean.js';

// Required on the first page, not at import: the DOM costs 0.15 s to load, which an index of text and
// Markdown files (and every start of the indexer) would otherwise wait for.
let dom: { parseHTML: typeof import('linkedom').parseHTML; Readability: typeof import('@mozilla/readability').Readability } | null = null;
function pageDom(): NonNullable<typeof dom> {
  if (dom) return dom;
  const require = createRequire(import.meta.url);
  dom = { parseHTML: (require('linkedom') as typeof import('linkedom')).parseHTML, Readability: (require('@mozilla/readability') as typeof import('@mozilla/readability')).Readability };
  return dom;
}

export interface PageMeta {
  title?: string;
  source?: string;
  byline?: string;
  date?: string;
  url?: string;
}

/** Elements that are never article text. */
const NEVER = 'script, style, noscript, template, svg, canvas, iframe, object, embed, video, audio, picture, img, source, figure, figcaption, aside, nav, footer, form, button, input, select, textarea, label, dialog, menu';

/** Tokens of class/id/role/aria names that mark page furniture inside an article's markup. */
const HINT = new Set(
  (
    'share sharing sharebar social socials newsletter newsletters subscribe subscription signup sign-up promo promos promotion ' +
    'advert advertisement advertising ad ads adslot sponsor sponsored caption captions credit credits photo-credit byline bylines ' +
    'author-bio bio tags tag-list breadcrumb breadcrumbs comment comments paywall gallery slideshow related recirc recirculation ' +
    'recommended recommendations more-stories readmore read-more outbrain taboola toolbar print disclaimer copyright newsletter-signup ' +
    'inline-promo pullquote pull-quote embed-card card-list teaser teasers trending popular most-read nocontent hidden visually-hidden sr-only screen-reader-text'
  ).split(' '),
);
/** Words that mark furniture even inside a longer name ("newsCaption", "articleSocialBar"). */
const HINT_INSIDE = /caption|newsletter|promo|advert|social|sponsor|subscri|gallery|slideshow|breadcrumb|paywall|outbrain|taboola|recirc|byline|sharing|share-?bar|sharetools|related-|-related|relatedlinks|cookie|consent|author-info|authorbio|timestamp|dateline/;
const ROLES = new Set(['navigation', 'complementary', 'contentinfo', 'banner', 'search', 'dialog', 'alert', 'figure', 'img', 'button', 'menu', 'menubar', 'toolbar']);

type El = {
  tagName: string;
  nodeType: number;
  textContent: string | null;
  childNodes: ArrayLike<El>;
  parentNode: El | null;
  getAttribute(name: string): string | null;
  querySelectorAll(sel: string): ArrayLike<El>;
  remove(): void;
};

function hinted(el: El): boolean {
  const role = el.getAttribute('role');
  if (role && ROLES.has(role.toLowerCase())) return true;
  if (el.getAttribute('aria-hidden') === 'true' || el.getAttribute('hidden') !== null) return true;
  const names = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''} ${el.getAttribute('data-component') ?? ''} ${el.getAttribute('aria-label') ?? ''}`.toLowerCase();
  if (!names.trim()) return false;
  if (HINT_INSIDE.test(names)) return true;
  for (const token of names.split(/[\s_]+/)) {
    if (HINT.has(token)) return true;
    // Compound names ("article-share-bar", "c-newsletter-box"): every dash-separated part is a word.
    for (const part of token.split('-')) if (part.length > 1 && HINT.has(part) && !['tag', 'bio', 'ad', 'print', 'hidden'].includes(part)) return true;
  }
  return false;
}

const textOf = (el: El) => (el.textContent ?? '').replace(/\s+/g, ' ').trim();

/** Share of an element's text that sits inside links. */
function linkDensity(el: El, text: string): number {
  if (!text) return 0;
  let linked = 0;
  for (const a of Array.from(el.querySelectorAll('a'))) linked += textOf(a).length;
  return linked / text.length;
}

/** A store widget's price ("from $610.00", "$29.99 at Amazon", "Price: £12"), not a sentence with a price in it. */
const PRICE_BOX = /^(?:(?:from|starting at|starts at|only|just|now|was|price|msrp|rrp|buy(?: it)?(?: now)?(?: for)?)\s*:?\s*)?(?:[$€£¥]\s?\d[\d,]*(?:\.\d\d)?|\d[\d,]*(?:\.\d\d)?\s?(?:USD|EUR|GBP|dollars))(?:\s*(?:at|on|from|@|\|)\s+[\w&.' -]{2,30})?(?:\s*\(.{0,30}\))?$/i;

/** Removes what Readability kept of the page around the article. */
function removeFurniture(body: El): void {
  // Hover cards inside sentences (a name's photo and links to other stories): an image and several links
  // with hardly any other text. Found before images go.
  for (const el of Array.from(body.querySelectorAll('span, div'))) {
    if (!el.parentNode || !el.querySelectorAll('img').length) continue;
    const text = textOf(el);
    if (el.querySelectorAll('a').length >= 2 && text.length < 400 && linkDensity(el, text) > 0.7) el.remove();
  }
  for (const el of Array.from(body.querySelectorAll(NEVER))) el.remove();
  const total = textOf(body).length || 1;
  for (const el of Array.from(body.querySelectorAll('*'))) {
    if (!el.parentNode) continue; // inside something already removed
    // A hint on a wrapper that holds most of the article means nothing (a "content" div with an ad class).
    if (hinted(el) && textOf(el).length < total * 0.3) el.remove();
  }
  for (const el of Array.from(body.querySelectorAll('p, li, ul, ol, div, section, table, dl, h2, h3, h4, h5, h6, blockquote'))) {
    if (!el.parentNode) continue;
    const text = textOf(el);
    if (!text) continue;
    const words = text.split(' ').length;
    // Lists of links (other stories, tags): mostly link text, little of it, several links. A single linked
    // heading or line is often the article's own (a product it reviews); promos of one link are caught by
    // their wording below.
    if (words <= 80 && el.querySelectorAll('a').length >= 2 && linkDensity(el, text) > 0.6 && text.length < total * 0.3) {
      el.remove();
      continue;
    }
    // Price boxes of store widgets ("from $610.00", "$29.99 at Amazon").
    if (words <= 8 && PRICE_BOX.test(text)) {
      el.remove();
      continue;
    }
    if (words <= 100 && !el.querySelectorAll('p, li, div').length && boilerplateLine(text)) el.remove();
  }
}

const BLOCKS = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'BLOCKQUOTE', 'PRE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'DL', 'TABLE', 'HR', 'ADDRESS', 'CENTER', 'DETAILS', 'SUMMARY']);

/**
 * The article as text: blocks become paragraphs separated by a blank line; list items are lines of their
 * own ("• item") right under the sentence that introduces them; table rows are lines of cells.
 */
function toText(root: El): string {
  const out: string[] = [];
  let line = '';
  const flush = (blank: boolean) => {
    const t = line.replace(/[ \t\u00a0]+/g, ' ').trim();
    if (t) out.push(t);
    line = '';
    if (blank && out.length && out[out.length - 1] !== '') out.push('');
  };
  // A list or table follows the sentence that introduces it ("…as follows:") directly, as in the page.
  const leadIn = () => {
    if (out[out.length - 1] === '' && /:$/.test(out[out.length - 2] ?? '')) out.pop();
  };
  const walk = (node: El, pre: boolean): void => {
    if (node.nodeType === 3) {
      line += pre ? (node.textContent ?? '') : (node.textContent ?? '').replace(/\s+/g, ' ');
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = node.tagName.toUpperCase();
    if (tag === 'BR') {
      flush(false);
      return;
    }
    if (tag === 'LI' || tag === 'DT' || tag === 'DD') {
      flush(false);
      line = tag === 'LI' ? '• ' : '';
      for (const c of Array.from(node.childNodes)) walk(c, pre);
      flush(false);
      return;
    }
    if (tag === 'TABLE') {
      const rows = Array.from(node.querySelectorAll('tr'));
      flush(true);
      leadIn();
      for (const tr of rows) {
        const cells = Array.from(tr.querySelectorAll('th, td')).map(textOf).filter(Boolean);
        if (cells.length) out.push(cells.join(' | '));
      }
      flush(true);
      return;
    }
    const block = BLOCKS.has(tag);
    if (block) flush(true);
    if (tag === 'UL' || tag === 'OL' || tag === 'DL') leadIn();
    for (const c of Array.from(node.childNodes)) walk(c, pre || tag === 'PRE');
    if (block) flush(true);
    else if (tag === 'TD' || tag === 'TH') line += ' ';
  };
  walk(root, false);
  flush(false);
  while (out.length && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The page's schema.org Article (JSON-LD), if it has one. */
function jsonLdArticle(document: { querySelectorAll(sel: string): ArrayLike<El> }): Record<string, Json> | null {
  const found: Record<string, Json>[] = [];
  const visit = (x: Json) => {
    if (Array.isArray(x)) return x.forEach(visit);
    if (!x || typeof x !== 'object') return;
    const type = x['@type'];
    const types = (Array.isArray(type) ? type : [type]).map(String);
    if (types.some((t) => /Article|BlogPosting|Report|NewsArticle|WebPage|Posting/i.test(t))) found.push(x);
    if (x['@graph']) visit(x['@graph']);
  };
  for (const s of Array.from(document.querySelectorAll('script[type="application/ld+json"]'))) {
    try {
      visit(JSON.parse(s.textContent ?? '') as Json);
    } catch {
      // malformed JSON-LD is common; it is only a hint
    }
  }
  return found.find((x) => !/WebPage/i.test(String(x['@type']))) ?? found[0] ?? null;
}

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const nameOf = (v: Json | undefined): string | undefined => {
  if (Array.isArray(v)) return v.map(nameOf).filter(Boolean).join(', ') || undefined;
  if (v && typeof v === 'object') return str(v.name);
  return str(v);
};

/** Class or id names of the element that prints a page's own date ("posted on April 21, 2015"). */
const DATE_HOLDER = /(?:^|[\s_-])(?:date|dates|datetime|time|timestamp|posted|published|pubdate|publish-date|dateline|byline|post-meta|entry-meta|article-meta)(?:$|[\s_-])/i;

/**
 * The date the page prints for itself, where its metadata gives none: the first short element named for
 * a date or time (or a <time>) that holds a full date, then a full date in the headline or the page title
 * ("LWN.net Weekly Edition for March 26, 2015").
 */
function printedDate(document: { querySelector(sel: string): El | null; querySelectorAll(sel: string): ArrayLike<El> }): string | undefined {
  for (const el of Array.from(document.querySelectorAll('[class], [id], time'))) {
    const names = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`;
    if (el.tagName.toLowerCase() !== 'time' && !DATE_HOLDER.test(names)) continue;
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    if (!text || text.length > 120) continue;
    const found = findDate(text);
    if (found) return found.iso;
  }
  for (const sel of ['h1', 'title']) {
    const found = findDate(document.querySelector(sel)?.textContent ?? '');
    if (found) return found.iso;
  }
  return undefined;
}

function metadata(document: { querySelector(sel: string): El | null; querySelectorAll(sel: string): ArrayLike<El> }): PageMeta {
  const meta = (...sels: string[]) => {
    for (const sel of sels) {
      const v = document.querySelector(sel)?.getAttribute('content')?.trim();
      if (v) return v;
    }
    return undefined;
  };
  const ld = jsonLdArticle(document);
  const ogUrl = httpUrl(meta('meta[property="og:url"]'));
  const canonical = httpUrl(document.querySelector('link[rel~="canonical"]')?.getAttribute('href') ?? undefined, ogUrl) ?? ogUrl ?? httpUrl(str(ld?.url) ?? str(ld?.mainEntityOfPage as Json));
  let host: string | undefined;
  try {
    host = canonical ? new URL(canonical).hostname.replace(/^www\./, '') : undefined;
  } catch {
    host = undefined;
  }
  const publisher = ld?.publisher;
  return {
    title: meta('meta[property="og:title"]', 'meta[name="twitter:title"]') ?? str(ld?.headline),
    source: meta('meta[property="og:site_name"]', 'meta[name="application-name"]') ?? nameOf(publisher) ?? host,
    byline: nameOf(ld?.author) ?? meta('meta[name="author"]', 'meta[property="article:author"]'),
    date:
      meta(
        'meta[property="article:published_time"]',
        'meta[name="article:published_time"]',
        'meta[property="og:published_time"]',
        'meta[itemprop="datePublished"]',
        'meta[name="pubdate"]',
        'meta[name="publishdate"]',
        'meta[name="publishDate"]',
        'meta[name="publish-date"]',
        'meta[name="article.published"]',
        'meta[name="date"]',
        'meta[name="dc.date"]',
        'meta[name="DC.date.issued"]',
        'meta[name="dcterms.date"]',
        'meta[name="dcterms.created"]',
        'meta[name="parsely-pub-date"]',
        'meta[name="sailthru.date"]',
      ) ??
      str(ld?.datePublished) ??
      str(ld?.dateCreated) ??
      document.querySelector('time[datetime]')?.getAttribute('datetime') ??
      printedDate(document),
    url: canonical,
  };
}

export interface ExtractedPage {
  text: string;
  meta: PageMeta;
  /** Readability's own idea of the byline and title, when the page's metadata has none. */
  fallback: { title?: string; byline?: string; source?: string; date?: string };
}

/** The article of an HTML page, or why there is none. */
export function extractPage(html: string): ExtractedPage | { error: string } {
  const { parseHTML, Readability } = pageDom();
  const { document } = parseHTML(html);
  const meta = metadata(document as unknown as Parameters<typeof metadata>[0]);
  // Markup hints first, on the whole page: Readability unwraps a wrapper holding a single paragraph (a
  // newsletter box, a promo) and its class goes with it.
  const page = document.body as unknown as El | null;
  if (page) {
    const total = textOf(page).length || 1;
    for (const el of Array.from(page.querySelectorAll('div, section, p, span, ul, ol'))) {
      if (el.parentNode && hinted(el) && textOf(el).length < total * 0.15) el.remove();
    }
  }
  const article = new Readability(document as unknown as Document, { keepClasses: true }).parse();
  // Readability returns whatever text it finds; a page with less than a paragraph of it has no article.
  if (!article?.content || (article.textContent ?? '').trim().length < 140) return { error: 'no article text found in the HTML page' };
  const { document: content } = parseHTML(`<!DOCTYPE html><html><body>${article.content}</body></html>`);
  const body = content.body as unknown as El;
  removeFurniture(body);
  const text = toText(body);
  if (!text.trim()) return { error: 'no article text found in the HTML page' };
  // "Port expands | The Harbour Times": the page title carries the outlet's name.
  const site = meta.source ?? article.siteName ?? undefined;
  const strip = (t: string | undefined) => (t && site ? t.replace(new RegExp(`\\s*[|–—:-]\\s*${site.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'i'), '') : t);
  meta.title = strip(meta.title);
  return {
    text,
    meta,
    fallback: { title: strip(article.title ?? undefined), byline: article.byline ?? undefined, source: article.siteName ?? undefined, date: article.publishedTime ?? undefined },
  };
}
