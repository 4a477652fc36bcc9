// What kinds of things a passage names: people, organisations, places and other proper names (compromise,
// a maintained English NLP library), dates, numbers, sums of money and percentages (patterns). Counted
// once when a passage is indexed and stored with it, so that ranking can ask "does this passage hold the
// kind of answer the question wants?" without parsing text at question time.
import nlp from 'compromise';
import type { EntityKind, EntityTags } from '../store/types.js';
import { DATE, MONEY, NUMBER, PERCENT } from '../text/quantities.js';

const PATTERNS: [EntityKind, RegExp][] = [
  ['date', new RegExp(DATE, 'gi')],
  ['money', new RegExp(MONEY, 'giu')],
  ['percent', new RegExp(PERCENT, 'gi')],
  ['number', new RegExp(NUMBER, 'gi')],
];

function count(kind: EntityKind, n: number, into: EntityTags): void {
  if (n > 0) into[kind] = (into[kind] ?? 0) + n;
}

/** The entity kinds `text` holds, with how many of each. */
export function entityTags(text: string): EntityTags {
  const tags: EntityTags = {};
  for (const [kind, re] of PATTERNS) count(kind, text.match(re)?.length ?? 0, tags);
  const doc = nlp(text);
  count('person', doc.people().length, tags);
  count('org', doc.organizations().length, tags);
  count('place', doc.places().length, tags);
  count('name', doc.match('#ProperNoun+').length + (text.match(/\b[A-Z]{2,}\b/g)?.length ?? 0), tags);
  return tags;
}

