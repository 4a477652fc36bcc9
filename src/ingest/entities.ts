// What kinds of answer a passage holds: proper names (capitals), dates, numbers, sums of money and
// percentages (patterns). Counted once when a passage is indexed and stored with it, so that ranking can
// ask "does this passage hold the kind of answer the question wants?" (search/answer-type.ts tagsHold)
// without reading the text again at question time.
//
// Names come from capitals, as a question's do (search/names.ts). compromise's tagger counted people,
// organisations and places apart, but ranking only ever asks whether a passage holds any of them or any
// proper name. Asked that, the two differ in 2 of 246 passages of the bundled and SQuAD articles (words
// compromise took for organisations: "T(n)", "quicksort") and in 62 of 1,704 passages of the 91 marked
// news bodies (eval/extraction), most of them one short paragraph opening with its only name ("Israeli
// courts…") or compromise's mistakes ("Q: …"). The tagger cost every indexing process 0.45 s of CPU
// (0.2 s to load, 7–12 ms a passage) against 0.06 ms a passage here. Passages stored by it keep their
// counts: tagsHold reads them the same way.
import type { EntityKind, EntityTags } from '../store/types.js';
import { DATE, MONEY, NUMBER, PERCENT } from '../text/quantities.js';

const PATTERNS: [EntityKind, RegExp][] = [
  ['date', new RegExp(DATE, 'gi')],
  ['money', new RegExp(MONEY, 'giu')],
  ['percent', new RegExp(PERCENT, 'gi')],
  ['number', new RegExp(NUMBER, 'gi')],
];

/** Capitalised without being names: the days and the months (dates, counted as such). */
const COMMON = new Set('monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december'.split(' '));

/**
 * Proper names: a run of capitalised words inside a sentence; one that opens a sentence only if it goes on
 * past its first word ("Leon Panetta said…": the first word of a sentence is capitalised anyway, and a
 * closing quote or bracket may stand after the full stop before it); an acronym ("NATO", "U.S.").
 */
const WORD = "\\p{Lu}[\\p{L}'’-]+";
const NAME = new RegExp(
  [
    `(?<![.!?:]["“”'‘’)\\]]*\\s+)(?<=\\S\\s+)${WORD}(?:\\s+${WORD})*`, // inside a sentence
    `(?:^|(?<=[.!?:]["“”'‘’)\\]]*\\s+))(?<opening>${WORD}(?:\\s+(?:\\p{Lu}\\.|${WORD}))+)`, // opening it, if more capitals follow
    '\\b\\p{Lu}{2,}\\b',
    '(?:\\b\\p{Lu}\\.){2,}',
  ].join('|'),
  'gu',
);

const ACRONYM = /^(?:\p{Lu}{2,}|(?:\p{Lu}\.){2,})$/u;

function names(text: string): number {
  let n = 0;
  for (const m of text.matchAll(NAME)) {
    // The sentence's first word is no name of itself ("In March…"), unless it is an acronym.
    const opens = m.groups?.opening !== undefined;
    const words = m[0].split(/\s+/).filter((w, k) => !(opens && k === 0 && !ACRONYM.test(w)) && !COMMON.has(w.toLowerCase()));
    if (words.length) n++;
  }
  return n;
}

/** The entity kinds `text` holds, with how many of each. */
export function entityTags(text: string): EntityTags {
  const tags: EntityTags = {};
  const count = (kind: EntityKind, n: number) => {
    if (n > 0) tags[kind] = n;
  };
  for (const [kind, re] of PATTERNS) count(kind, text.match(re)?.length ?? 0);
  count('name', names(text));
  return tags;
}
