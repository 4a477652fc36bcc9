// Web pages into a library, identified by their canonical address: the page's own <link rel="canonical">
// (or og:url), else the address it was fetched from. Adding the same article again, or a copy of it
// under another address, updates the one article; a page whose article text is unchanged changes nothing;
// one whose text changed is re-indexed in place, only its new passages embedded. A server's library keeps
// the page in the store; the shared library is the corpus folder, so the page is saved there
// (web/<host>/<path>-<hash>.html) and the folder re-read.
import fs from 'node:fs';
import path from 'node:path';
import { sourceFromBytes } from '../ingest/read.js';
import { sha256 } from '../text/hash.js';
import { SHARED, type LibraryKey } from '../store/types.js';
import { emptySummary, finish, libraryForWrite, locked, prepareArticle, settingsFor, updateIndex, type IndexSummary, type LibraryLimits, type Prepared, type UpdateOptions } from './update.js';

/** A page as fetched. */
export interface WebPage {
  /** The address it was finally fetched from (after redirects). */
  address: string;
  /** The address that was asked for, when it redirected elsewhere. */
  requested?: string;
  bytes: Buffer;
}

export interface PageOutcome {
  /** The address that was asked for. */
  address: string;
  status: 'added' | 'updated' | 'unchanged' | 'skipped';
  /** Why it was skipped. */
  reason?: string;
  /** The article's canonical address and its file in the library. */
  url?: string;
  file?: string;
  title?: string;
  source?: string | null;
  passages?: number;
}

const TRACKING = /^(?:utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|igshid|ref_src)$/i;

/** An address as an article's identity: no fragment, no tracking parameters, the host in lower case. */
export function normalizeAddress(address: string): string {
  const u = new URL(address);
  u.hash = '';
  for (const k of [...u.searchParams.keys()]) if (TRACKING.test(k)) u.searchParams.delete(k);
  u.hostname = u.hostname.toLowerCase();
  return u.toString();
}

/** The file a web article is kept under, made from its canonical address (readable, and unique by its hash). */
export function webFile(canonical: string): string {
  const u = new URL(canonical);
  const host = u.hostname.replace(/[^a-z0-9.-]/g, '_').replace(/^\.+/, '') || 'site';
  const slug = `${u.pathname}${u.search}`.toLowerCase().replace(/\.(?:html?|php|aspx?)$/, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(-60) || 'index';
  return `web/${host}/${slug}-${sha256(canonical).slice(0, 8)}.html`;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The page as kept: one that does not say its own address gets a canonical link, so it keeps saying it. */
function withAddress(bytes: Buffer, address: string, hasOwn: boolean): Buffer {
  return hasOwn ? bytes : Buffer.concat([Buffer.from(`<link rel="canonical" href="${escapeAttr(address)}">\n`), bytes]);
}

interface Read {
  page: WebPage;
  file: string;
  url: string;
  /** The page as kept. */
  bytes: Buffer;
  /** The article made of it, for the library it is going to. */
  made: Exclude<ReturnType<typeof prepareArticle>, string>;
  /** sha256 of what is indexed of it (title and passages): the same article under new page furniture is unchanged. */
  contentHash: string;
}

/** What every outcome of a read page says: the address asked for, and the article it is. */
const outcomeOf = (r: Read) => ({ address: r.page.requested ?? r.page.address, url: r.url, file: r.file });

/** Reads a page (once: extraction is most of the cost) as an article of `library`: its identity, the bytes to keep, what is indexed. */
function readPage(page: WebPage, library: LibraryKey, maxTokens: number): Read | string {
  const outcome = sourceFromBytes('page.html', page.bytes);
  if (!outcome.ok) return outcome.reason;
  const own = outcome.source.meta.url;
  let url: string;
  try {
    url = normalizeAddress(own && /^https?:\/\//i.test(own) ? own : page.address);
  } catch {
    url = normalizeAddress(page.address);
  }
  const file = webFile(url);
  const bytes = withAddress(page.bytes, url, !!own);
  const source = { ...outcome.source, file, meta: { ...outcome.source.meta, url } };
  const made = prepareArticle({ ok: true, source, bytes }, library, maxTokens, { size: bytes.length, mtimeMs: Date.now() }, library !== SHARED);
  if (typeof made === 'string') return made;
  const contentHash = sha256([made.article.title, ...made.article.passages.map((p) => p.text)].join('\n'));
  made.article.hash = contentHash;
  return { page, file, url, bytes, made, contentHash };
}

/**
 * Adds fetched pages to a library (one commit), updating in place the articles they already are; `limits`
 * bound a server's library as uploads are. Pages that cannot be used are skipped with the reason.
 */
export async function addPages(opts: UpdateOptions, library: LibraryKey, pages: readonly WebPage[], limits: LibraryLimits = {}, libraryName?: string): Promise<{ summary: IndexSummary; pages: PageOutcome[] }> {
  const t0 = performance.now();
  const settings = settingsFor(opts.embedder);
  if (pages.length) opts.embedder.warm();
  const outcomes: PageOutcome[] = [];
  const reads: Read[] = [];
  const byFile = new Map<string, Read>();
  for (const page of pages) {
    const r = readPage(page, library, settings.maxTokens);
    if (typeof r === 'string') {
      outcomes.push({ address: page.requested ?? page.address, status: 'skipped', reason: r });
      continue;
    }
    // Two addresses of one article in one batch: the later copy is the one indexed.
    const twin = byFile.get(r.file);
    if (twin) {
      reads.splice(reads.indexOf(twin), 1);
      outcomes.push({ ...outcomeOf(twin), status: 'unchanged', reason: `the same article as ${r.page.address}` });
    }
    byFile.set(r.file, r);
    reads.push(r);
  }
  if (library === SHARED) return addToFolder(opts, reads, outcomes, t0);
  return locked(opts, async () => {
    const { current, changes } = await libraryForWrite(opts, library, libraryName);
    const summary = emptySummary();
    let count = current?.articles ?? 0;
    let used = current?.bytes ?? 0;
    const prepared: Prepared[] = [];
    for (const r of reads) {
      const existing = await opts.store.article(library, r.file);
      const base = outcomeOf(r);
      if (existing?.hash === r.contentHash) {
        outcomes.push({ ...base, status: 'unchanged', title: existing.title, source: existing.source, passages: existing.passages });
        continue;
      }
      if (!existing && limits.maxArticles !== undefined && count + 1 > limits.maxArticles) {
        outcomes.push({ ...base, status: 'skipped', reason: `the library is full (${limits.maxArticles} articles); remove some first` });
        continue;
      }
      const grows = r.bytes.length - (existing?.size ?? 0);
      if (limits.maxBytes !== undefined && used + grows > limits.maxBytes) {
        outcomes.push({ ...base, status: 'skipped', reason: `the library would pass its ${(limits.maxBytes / 1048576).toFixed(0)} MB limit` });
        continue;
      }
      const { made } = r;
      for (const w of made.article.warnings) summary.warnings.push({ file: r.file, message: w });
      (existing ? summary.updated : summary.added).push(r.file);
      prepared.push({ article: made.article, replaces: existing });
      if (!existing) count++;
      used += grows;
      outcomes.push({ ...base, status: existing ? 'updated' : 'added', title: made.article.title, source: made.article.source, passages: made.article.passages.length });
    }
    return { summary: await finish(opts, summary, changes, prepared, [library], t0), pages: outcomes };
  });
}

/** The shared library is the corpus folder: changed pages are saved there, and the folder is read again. */
async function addToFolder(opts: UpdateOptions, reads: Read[], outcomes: PageOutcome[], t0: number): Promise<{ summary: IndexSummary; pages: PageOutcome[] }> {
  const written: Read[] = [];
  for (const r of reads) {
    const target = path.join(opts.corpusDir, r.file);
    const base = outcomeOf(r);
    if (fs.existsSync(target)) {
      const old = readPage({ address: r.url, bytes: fs.readFileSync(target) }, SHARED, settingsFor(opts.embedder).maxTokens);
      if (typeof old !== 'string' && old.contentHash === r.contentHash) {
        outcomes.push({ ...base, status: 'unchanged' });
        continue;
      }
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, r.bytes);
    fs.renameSync(tmp, target);
    written.push(r);
  }
  const summary = written.length ? await updateIndex(opts, [SHARED]) : { ...emptySummary(), seconds: (performance.now() - t0) / 1000 };
  for (const r of written) {
    const rec = await opts.store.article(SHARED, r.file);
    const skipped = summary.skipped.find((s) => s.file === r.file);
    const base = outcomeOf(r);
    if (rec) outcomes.push({ ...base, status: summary.updated.includes(r.file) ? 'updated' : 'added', title: rec.title, source: rec.source, passages: rec.passages });
    else outcomes.push({ ...base, status: 'skipped', reason: skipped?.reason ?? 'it could not be indexed' });
  }
  return { summary, pages: outcomes };
}
