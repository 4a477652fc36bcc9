// Article files from Discord: names are untrusted (only a plain file name with a supported extension is
// accepted, and a path into the corpus folder is checked to stay inside it); contents are bounded and
// must be text.
import fs from 'node:fs/promises';
import path from 'node:path';
import { decode, FORMATS } from '../ingest/read.js';

export class ArticleFileError extends Error {}

/** A safe file name for an uploaded article, or an error saying why there is none. */
export function safeArticleName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFKC')
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
    .replace(/^[.\s_-]+/, '')
    .trim();
  const ext = path.extname(cleaned).toLowerCase();
  if (!(ext in FORMATS)) throw new ArticleFileError(`Only .txt, .md and .html articles can be added (got "${base || raw}").`);
  if (cleaned.length <= ext.length || cleaned.length > 120) throw new ArticleFileError('That file name cannot be used; rename the file (1–120 letters, digits, dots, dashes).');
  return cleaned;
}

export function insideCorpus(corpusDir: string, name: string): string {
  const target = path.resolve(corpusDir, name);
  const rel = path.relative(path.resolve(corpusDir), target);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw new ArticleFileError('That file name points outside the articles folder.');
  return target;
}

/** Downloads an attachment (bounded in size) and checks that it is text. */
export async function downloadArticle(url: string, maxBytes: number): Promise<Buffer> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new ArticleFileError(`Could not download the attachment (HTTP ${res.status}).`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new ArticleFileError(`The file is larger than the ${Math.round(maxBytes / 1048576)} MB limit.`);
    chunks.push(Buffer.from(chunk));
  }
  const bytes = Buffer.concat(chunks);
  if (!bytes.length) throw new ArticleFileError('The file is empty.');
  const decoded = decode(bytes);
  if ('error' in decoded) throw new ArticleFileError(`That file cannot be used: ${decoded.error}.`);
  return bytes;
}

/** Saves an article into the corpus folder (the shared library) without ever overwriting one. */
export async function saveArticle(corpusDir: string, name: string, bytes: Buffer): Promise<string> {
  const target = insideCorpus(corpusDir, name);
  await fs.mkdir(corpusDir, { recursive: true });
  const tmp = path.join(corpusDir, `.upload-${process.pid}-${Date.now()}`);
  await fs.writeFile(tmp, bytes, { flag: 'wx' });
  try {
    await fs.link(tmp, target); // fails if the name is taken: never overwrites
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ArticleFileError(`An article named "${name}" already exists. Remove it first with /article remove, or rename the file.`);
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return target;
}

export async function removeArticle(corpusDir: string, name: string): Promise<void> {
  const target = insideCorpus(corpusDir, name);
  try {
    await fs.unlink(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ArticleFileError(`There is no article named "${name}".`);
    throw err;
  }
}
