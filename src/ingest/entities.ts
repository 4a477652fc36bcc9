// What kinds of things a passage names: people, organisations, places and other proper names (compromise,
// a maintained English NLP library), dates, numbers, sums of money and percentages (patterns). Counted
// once when a passage is indexed and stored with it, so that ranking can ask "does this passage hold the
// kind of answer the question wants?" without parsing text at question time.
import nlp from 'compromise';
import type { EntityKind, EntityTags } from '../store/types.js';

const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const PATTERNS: [EntityKind, RegExp][] = [
  ['date', new RegExp(`\\b(?:${MONTH}\\.?\\s+\\d{1,2}\\b|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}\\b|(?:1[0-9]|20)\\d{2}s?\\b|${MONTH}\\b|(?:mon|tues|wednes|thurs|fri|satur|sun)day\\b|\\d{1,2}(?:st|nd|rd|th)\\s+centur(?:y|ies)\\b|\\b\\d{1,2}/\\d{1,2}/\\d{2,4}\\b|(?:yesterday|today|tomorrow)\\b)`, 'gi')],
  ['money', /(?:[$€£¥₫]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion|[mbk]n?)\b)?|\b\d[\d,.]*\s?(?:million |billion |trillion )?(?:dollars|euros|pounds|yen|yuan|dong|usd|eur|gbp|vnd)\b)/gi],
  ['percent', /\b\d[\d,.]*\s?(?:%|per ?cent\b|percentage points?\b)/gi],
  ['number', /\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen|dozens|hundreds|thousands|millions)\b/gi],
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

