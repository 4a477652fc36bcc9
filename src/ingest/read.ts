// Finds the articles in the corpus folder and decodes each into text. Whatever an admin drops in, a file
// either becomes text or is skipped with its name and a reason; nothing here throws for a bad file.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { extractPage } from './html.js';
import { findDate } from './clean.js';
import { isoDate, parseDateText } from '../text/dates.js';
import type { Format, SourceText } from './types.js';

export const FORMATS: Record<string, Format> = {
  '.txt': 'txt',
  '.text': 'txt',
  '.md': 'md',
  '.markdown': 'md',
  '.html': 'html',
  '.htm': 'html',
};

export interface CorpusFile {
  file: string; // relative, forward slashes
  path: string;
  size: number;
  mtimeMs: number;
}

export interface Skipped {
  file: string;
  reason: string;
}

export type ReadOutcome = { ok: true; source: SourceText; bytes: Buffer } | { ok: false; file: string; reason: string };

function errorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'the file disappeared while it was being read';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return (err as Error)?.message ?? String(err);
  }
}

/** Every supported file under `dir` (recursively, not following linked folders), and what was skipped. */
export async function listCorpus(dir: string): Promise<{ files: CorpusFile[]; skipped: Skipped[] }> {
  const files: CorpusFile[] = [];
  const skipped: Skipped[] = [];
  async function walk(sub: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(dir, sub), { withFileTypes: true });
    } catch (err) {
      if (sub === '') throw new Error(`Cannot read the corpus folder ${dir}: ${errorReason(err)}`);
      skipped.push({ file: sub, reason: errorReason(err) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // editors' swap files, .gitkeep, our own temp files
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      const abs = path.join(dir, rel);
      if (entry.isDirectory()) {
        await walk(rel);
        continue;
      }
      const ext = path.extname(entry.name).toLowerCase();
      if (!(ext in FORMATS)) {
        skipped.push({ file: rel, reason: `unsupported type "${ext || 'no extension'}" (use .txt, .md or .html)` });
        continue;
      }
      try {
        const st = await fs.stat(abs); // follows a file symlink; a loop or dangling link lands in catch
        if (!st.isFile()) {
          skipped.push({ file: rel, reason: st.isDirectory() ? 'linked folder (not followed)' : 'not a regular file' });
          continue;
        }
        files.push({ file: rel, path: abs, size: st.size, mtimeMs: st.mtimeMs });
      } catch (err) {
        skipped.push({ file: rel, reason: errorReason(err) });
      }
    }
  }
  await walk('');
  return { files, skipped };
}

const MAGIC: [string, number[]][] = [
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['a ZIP archive (or Word document)', [0x50, 0x4b, 0x03, 0x04]],
  ['a gzip archive', [0x1f, 0x8b]],
];

/** Decodes bytes as text: UTF-8, UTF-16 with a BOM, or Latin-1 as a last resort (with a warning). */
export function decode(bytes: Buffer): { text: string; warning?: string } | { error: string } {
  for (const [what, sig] of MAGIC) {
    if (sig.every((b, i) => bytes[i] === b)) return { error: `binary file (looks like ${what})` };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes) };
  const head = bytes.subarray(0, 8192);
  let control = 0;
  for (const b of head) {
    if (b === 0) return { error: 'binary file (contains NUL bytes)' };
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  if (control > head.length * 0.05) return { error: 'binary file (mostly control characters)' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), warning: 'not valid UTF-8; read as Latin-1 (Windows-1252)' };
  }
}

/**
 * A metadata date as ISO, to the precision it gives: "2019-11-20T10:04:00+07:00" (the day as the page
 * wrote it, not moved to another time zone), "November 20, 2019", "2019-11", 2019 (a front matter year).
 */
function isoFrom(value: unknown): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'number' && Number.isInteger(value)) return isoDate(value) ?? undefined;
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const v = value.trim();
  const iso = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T\s]|$)/.exec(v);
  if (iso) return isoDate(+iso[1], iso[2] ? +iso[2] : null, iso[3] ? +iso[3] : null) ?? undefined;
  return findDate(v)?.iso ?? parseDateText(v) ?? undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

type Matter = typeof import('gray-matter');
let matterLoaded: Matter | null = null;
// The front-matter parser (and the YAML parser under it) is loaded for the first Markdown file only.
const matter = (): Matter => (matterLoaded ??= createRequire(import.meta.url)('gray-matter') as Matter);

function fromMarkdown(file: string, text: string): SourceText {
  const warnings: string[] = [];
  let parsed: ReturnType<Matter>;
  try {
    parsed = matter()(text);
  } catch (err) {
    warnings.push(`front matter ignored: ${(err as Error).message.split('\n')[0]}`);
    return { file, format: 'md', text, bodyStart: 0, meta: {}, warnings };
  }
  const data = parsed.data as Record<string, unknown>;
  const bodyStart = text.endsWith(parsed.content) ? text.length - parsed.content.length : 0;
  return {
    file,
    format: 'md',
    text,
    bodyStart,
    meta: {
      title: str(data.title),
      source: str(data.source) ?? str(data.outlet),
      date: isoFrom(data.date),
      url: str(data.url),
      byline: str(data.author) ?? str(data.byline),
    },
    warnings,
  };
}

function fromHtml(file: string, html: string): SourceText | { error: string } {
  const page = extractPage(html);
  if ('error' in page) return page;
  const { meta, fallback } = page;
  return {
    file,
    format: 'html',
    text: page.text,
    bodyStart: 0,
    meta: {
      title: str(meta.title) ?? str(fallback.title),
      source: str(meta.source) ?? str(fallback.source),
      date: isoFrom(meta.date ?? fallback.date),
      byline: str(meta.byline) ?? str(fallback.byline),
      url: meta.url,
    },
    warnings: [],
  };
}

/** Reads one corpus file into text; for HTML the text is the article Readability extracts. */
export async function readSource(corpusDir: string, file: string, maxBytes: number): Promise<ReadOutcome> {
  const abs = path.join(corpusDir, file);
  if (!FORMATS[path.extname(file).toLowerCase()]) return { ok: false, file, reason: 'unsupported type (use .txt, .md or .html)' };
  let bytes: Buffer;
  try {
    const st = await fs.stat(abs);
    if (st.size > maxBytes) {
      return { ok: false, file, reason: `too large (${(st.size / 1048576).toFixed(1)} MB; the limit is MAX_FILE_MB=${maxBytes / 1048576})` };
    }
    bytes = await fs.readFile(abs);
  } catch (err) {
    return { ok: false, file, reason: errorReason(err) };
  }
  return sourceFromBytes(file, bytes);
}

/** Decodes an article's bytes (a corpus file, or an upload kept in the store) into text. */
export function sourceFromBytes(file: string, bytes: Buffer): ReadOutcome {
  const format = FORMATS[path.extname(file).toLowerCase()];
  if (!format) return { ok: false, file, reason: 'unsupported type (use .txt, .md or .html)' };
  if (bytes.length === 0) return { ok: false, file, reason: 'empty file' };
  const decoded = decode(bytes);
  if ('error' in decoded) return { ok: false, file, reason: decoded.error };
  if (!decoded.text.trim()) return { ok: false, file, reason: 'empty file (only whitespace)' };
  let source: SourceText;
  if (format === 'html') {
    const html = fromHtml(file, decoded.text);
    if ('error' in html) return { ok: false, file, reason: html.error };
    source = html;
  } else if (format === 'md') {
    source = fromMarkdown(file, decoded.text);
  } else {
    source = { file, format, text: decoded.text, bodyStart: 0, meta: {}, warnings: [] };
  }
  if (decoded.warning) source.warnings.push(decoded.warning);
  return { ok: true, source, bytes };
}
