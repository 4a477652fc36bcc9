// Synthetic archives for measuring at size: articles of made-up text (words of the model's vocabulary drawn
// with Zipf frequencies, three sentences a passage, as in news copy) with synthetic unit vectors clustered
// around a few thousand centres, committed through the store's own API. Used by `npm run bench` and by
// the test that asks about a new article in a 30,000-passage archive.
import fs from 'node:fs';
import { gaussian, uniform as seededUniform } from '../../src/embed/static/svd.js';
import type { Article } from '../../src/ingest/types.js';
import { toNewArticle } from '../../src/index/update.js';
import type { LibraryKey, Store, VectorRecord } from '../../src/store/types.js';

export interface Synthetic {
  text(words?: number): string;
  vector(): Float32Array;
  article(a: number, perArticle: number, tag: string): Article;
  /** Commits `n` synthetic passages (20 an article) to `library`, `modelId`'s vectors beside them. */
  fill(store: Store, library: LibraryKey, n: number, modelId: string, onProgress?: (done: number) => void): Promise<void>;
}

/** `vocabFile`: a WordPiece vocab.txt (its whole words are the text's words); `dims`: the vectors' size. */
export function synthetic(vocabFile: string, dims: number, seed = 99): Synthetic {
  const vocab = fs
    .readFileSync(vocabFile, 'utf8')
    .split('\n')
    .slice(1996, 22000)
    .filter((w) => /^[a-z]{3,}$/.test(w));
  const rand = gaussian(seed + 1135);
  const uniform = seededUniform(seed);
  const word = () => vocab[Math.min(vocab.length - 1, Math.floor(Math.exp(uniform() * Math.log(vocab.length))))];
  const sentence = (n: number) => Array.from({ length: n }, word).join(' ').replace(/^./, (c) => c.toUpperCase()) + '.';
  const text = (n = 60) => [sentence(Math.ceil(n / 3)), sentence(Math.ceil(n / 3)), sentence(n - 2 * Math.ceil(n / 3))].join(' ');
  const centres = Array.from({ length: 2000 }, () => Float32Array.from({ length: dims }, () => rand()));
  function vector(): Float32Array {
    const c = centres[Math.floor(uniform() * centres.length)];
    const v = new Float32Array(dims);
    let n = 0;
    for (let k = 0; k < dims; k++) {
      v[k] = c[k] + 0.6 * rand();
      n += v[k] * v[k];
    }
    n = Math.sqrt(n);
    for (let k = 0; k < dims; k++) v[k] /= n;
    return v;
  }
  function article(a: number, perArticle: number, tag: string): Article {
    const file = `${tag}-${a}.txt`;
    let at = 0;
    const passages = Array.from({ length: perArticle }, (_, i) => {
      const t = text();
      const p = { docId: file, file, paragraph: i + 1, part: 0, start: at, end: at + t.length, text: t, searchText: t };
      at += t.length + 2;
      return p;
    });
    return { docId: file, file, format: 'txt', title: `Synthetic ${a}`, titleIsFallback: false, source: null, date: null, url: null, byline: null, passages, warnings: [] };
  }
  async function fill(store: Store, library: LibraryKey, n: number, modelId: string, onProgress?: (done: number) => void): Promise<void> {
    const per = 20;
    const batch = 250;
    for (let a = 0; a * per < n; a += batch) {
      const made = [];
      const vectors = new Map<string, VectorRecord>();
      for (let j = a; j < a + batch && j * per < n; j++) {
        const art = article(j, Math.min(per, n - j * per), `s${n}`);
        const na = toNewArticle(art, library, { hash: art.file, size: 1200, mtimeMs: 0 });
        for (const p of na.passages) vectors.set(p.hash, { vector: vector(), sentences: p.sentences.map(() => vector()) });
        made.push(na);
      }
      await store.cacheVectors(modelId, vectors);
      await store.commit({ libraries: [{ key: library }], addArticles: made });
      onProgress?.(Math.min(n, (a + batch) * per));
    }
  }
  return { text, vector, article, fill };
}
