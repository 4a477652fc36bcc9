// What kinds of things a passage names: people, organisations, places and other proper names (compromise,
// a maintained English NLP library), dates, numbers, sums of money and percentages (patterns). Counted
// once when a passage is indexed and stored with it, so that ranking can ask "does this passage hold the
// kind of answer the question wants?" without parsing text at question time.
//
// The tagger is the slowest part of reading an article (5–10 ms a passage, and 0.2 s to load), so an
// update tags on a side thread (side-thread.ts) while the embedding helpers run: it loads there once the
// articles are read, beside the embedding, instead of delaying either.
import { createRequire } from 'node:module';
import type { EntityKind, EntityTags } from '../store/types.js';
import { sideThread, type SideThread } from '../side-thread.js';
import { DATE, MONEY, NUMBER, PERCENT } from '../text/quantities.js';

type Nlp = typeof import('compromise').default;

// RegExps cross to the side thread as they are (structured clone); `match` with /g keeps no state.
const PATTERNS: [EntityKind, RegExp][] = [
  ['date', new RegExp(DATE, 'gi')],
  ['money', new RegExp(MONEY, 'giu')],
  ['percent', new RegExp(PERCENT, 'gi')],
  ['number', new RegExp(NUMBER, 'gi')],
];

/**
 * The entity kinds each text holds, with how many of each. Self-contained (no imports, no closures):
 * its source is also what the side thread runs.
 */
export function tagTexts(nlp: Nlp, patterns: [EntityKind, RegExp][], texts: string[]): EntityTags[] {
  return texts.map((text) => {
    const tags: EntityTags = {};
    const count = (kind: EntityKind, n: number) => {
      if (n > 0) tags[kind] = (tags[kind] ?? 0) + n;
    };
    for (const [kind, re] of patterns) count(kind, text.match(re)?.length ?? 0);
    const doc = nlp(text);
    count('person', doc.people().length);
    count('org', doc.organizations().length);
    count('place', doc.places().length);
    count('name', doc.match('#ProperNoun+').length + (text.match(/\b[A-Z]{2,}\b/g)?.length ?? 0));
    return tags;
  });
}

// compromise's CommonJS build: one file, loaded in half the time of its ES module sources (0.2 s against
// 0.35 s); the same version and tagger.
let here: Nlp | null = null;
const compromiseHere = (): Nlp => (here ??= createRequire(import.meta.url)('compromise') as Nlp);

/** The entity kinds `text` holds, with how many of each. */
export function entityTags(text: string): EntityTags {
  return tagTexts(compromiseHere(), PATTERNS, [text])[0];
}

export interface Tagger {
  tag(texts: string[]): Promise<EntityTags[]>;
  close(): Promise<void>;
}

/** A batch of this many passages keeps a question's keyword query (same side thread) from waiting long. */
const BATCH = 8;

/** Tags on a side thread, started now so that the tagger loads while the caller does other work. */
export function sideTagger(): Tagger {
  const body = `
    const nlp = require(data.compromise);
    globalThis.__name = (f) => f; // the function's source may come from tsx, which names functions through this
    const tagTexts = (0, eval)('(' + data.tagTexts + ')');
    nlp('warm up the tagger with Hanoi on 4 June 2012');
    return (texts) => tagTexts(nlp, data.patterns, texts);`;
  const data = { compromise: createRequire(import.meta.url).resolve('compromise'), tagTexts: tagTexts.toString(), patterns: PATTERNS };
  const thread: SideThread<string[], EntityTags[]> = sideThread(body, data, (texts) => tagTexts(compromiseHere(), PATTERNS, texts));
  return {
    async tag(texts) {
      const batches: Promise<EntityTags[]>[] = [];
      for (let i = 0; i < texts.length; i += BATCH) batches.push(thread.run(texts.slice(i, i + BATCH)));
      return (await Promise.all(batches)).flat();
    },
    close: () => thread.close(),
  };
}
