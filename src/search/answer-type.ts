// What kind of thing a question asks for, and whether a passage (or one sentence of it) holds one: "when…?"
// wants a date, "who…?" a person, "how much…?" a sum of money, "where…?" a place. A passage that has one is
// a better quote than one that only repeats the question's words, and a best passage without one is a
// reason to doubt that the articles answer the question at all.
import type { EntityKind, EntityTags } from '../store/types.js';
import { lowerWords } from '../text/normalize.js';
import { MONEY, MONTH } from '../text/quantities.js';
import { analyze } from '../text/terms.js';

export type AnswerType = 'date' | 'number' | 'money' | 'percent' | 'person' | 'org' | 'place' | 'name';

const PATTERN: Partial<Record<AnswerType, RegExp>> = {
  date: new RegExp(`\\b(?:${MONTH}\\.?\\s+\\d{1,2}\\b|\\d{1,2}\\s+${MONTH}\\b|(?:1[0-9]|20)\\d{2}s?\\b|${MONTH}\\b|(?:mon|tues|wednes|thurs|fri|satur|sun)day\\b|centur(?:y|ies)\\b|\\b(?:yesterday|today|last (?:week|month|year)|next (?:week|month|year))\\b)`, 'i'),
  number: /\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|dozens|hundreds|thousands|millions)\b/i,
  money: new RegExp(`${MONEY}|\\b(?:cents?|bucks)\\b`, 'iu'),
  percent: /\d\s?(?:%|per ?cent\b|percentage points?)/i,
};

/** The kind of answer a question asks for, or null when it does not say ("why…?", "what did…?"). */
export function expectedType(question: string): AnswerType | null {
  const q = question.toLowerCase().replace(/[’']/g, "'");
  if (/\b(?:what|which) (?:percentage|percent|share|proportion|fraction)\b|\bhow many percent\b|\bby how much\b.*\b(?:rise|fall|grow|drop|increase|decrease)/.test(q)) return 'percent';
  if (/\b(?:what|which)\b[^?]{0,40}\b(?:price|cost|fee|salary|fine|budget|valuation|revenue|fare|wage|rent)s?\b/.test(q) && !/\bhow\b/.test(q)) return 'money';
  if (/\b(?:what|which)\b[^?]{0,30}\b(?:yield|rate|percentage|share|turnout|unemployment)\b/.test(q) && !/\bhow\b/.test(q)) return 'percent';
  if (/\b(?:what|which)\b[^?]{0,30}\b(?:population|temperature|boiling point|melting point|number|score|height|weight|length|distance|speed|capacity|attendance|margin)\b/.test(q)) return 'number';
  if (/\bhow much\b.*\b(?:cost|costs|pay|paid|pays|spend|spent|spends|price|worth|money|charge|charged|fund|funding|raise|raised|earn|earned|make|sell|sold|fine|fined|budget|invest|invested|pledge|pledged|owe|salary|revenue|afford)\b|\b(?:what|which) (?:is|was|were|are) the (?:price|cost|budget|salary|fee|fine|value)\b|\bhow much money\b|\bwhat (?:did|does|do|will) .{0,40}\bcost\b|\bwhat price\b/.test(q)) return 'money';
  if (/^\s*(?:when|since when|until when)\b|\b(?:what|which) (?:date|day|year|month|time|century|decade|season|era)\b|\bin what year\b|\bhow long ago\b|\bwhat time\b/.test(q)) return 'date';
  if (/\bhow (?:many|much|long|old|far|large|big|tall|high|heavy|deep|wide|fast|often|large)\b|\bwhat (?:number|amount|size|age|distance|speed|weight|height|length|population)\b/.test(q)) return 'number';
  if (/^\s*(?:where|from where)\b|\b(?:what|which) (?:city|country|state|province|town|village|place|region|county|continent|island|location|street|venue|airport|port|base|area|district|capital)\b|\bin what (?:city|country|state|place)\b/.test(q)) return 'place';
  if (/\b(?:what|which) (?:company|companies|organi[sz]ation|agency|firm|group|team|university|school|newspaper|outlet|party|ministry|department|brand|band|club|institution|bank|journal|publication|network|foundation|charity|trust|fund|society|association|committee|council|court|museum|hospital|airline|manufacturer|maker|publisher|studio|label|union|regulator|body)\b/.test(q)) return 'org';
  if (/^\s*(?:who|whom|whose)\b|\b(?:what|which) (?:person|man|woman|official|minister|president|leader|author|writer|artist|scientist|player|coach|ceo|founder|director|spokesman|spokeswoman|spokesperson|journalist|photographer|chemist|engineer)\b|\bwho (?:is|was|were|are)\b/.test(q)) return 'person';
  if (/\bwhat (?:is|was|were|are) (?:the )?names? of\b|\bwhat (?:is|was) (?:it|he|she|they) called\b|\bwhat (?:is|was) the title\b|\bcalled what\b/.test(q)) return 'name';
  return null;
}

const AUXILIARIES = new Set('is are was were be been do does did has have had will would can could shall should may might must'.split(' '));

/** A word that modifies the noun after it ("scientific journal", "senior officer", "new law"). */
const MODIFIER = /(?:al|ic|ive|ous|ful|ior|ish|ese|ian)$|^(?:new|old|first|last|senior|junior|main|other|local|top|chief|former|current|major|big|small|toxic)$/;

/**
 * The noun after "which"/"what" that says what kind of thing is asked for ("which journal", "in what
 * year", "which scientific journal" with its modifier), as analysed terms; none before an auxiliary verb
 * ("what is…").
 */
export function typeWords(question: string): string[] {
  const m = /\b(?:which|what)\s+([\p{L}-]+)(?:\s+([\p{L}-]+))?/iu.exec(question);
  if (!m) return [];
  const first = m[1].toLowerCase();
  if (AUXILIARIES.has(first)) return [];
  const second = m[2]?.toLowerCase();
  return analyze(second && MODIFIER.test(first) && !AUXILIARIES.has(second) ? `${first} ${second}` : first);
}

/** Words that single out one of several ("the first year", "the next study", "its former chairman"). */
const QUALIFIERS = new Set(
  'first second third fourth fifth last next previous final former latest earliest original initial annual current future new old opening closing'.split(' '),
);

/** Each qualifier in the question with the term of the word it qualifies ("in its first year" → first, year). */
export function qualifiedTerms(question: string): [string, string][] {
  const words = lowerWords(question);
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < words.length; i++) {
    if (!QUALIFIERS.has(words[i])) continue;
    const t = analyze(words[i + 1])[0];
    if (t) out.push([words[i], t]);
  }
  return out;
}

/** The entity kinds (stored per passage) that can answer a question of this type. */
const KINDS: Record<AnswerType, EntityKind[]> = {
  date: ['date'],
  number: ['number', 'money', 'percent'],
  money: ['money'],
  percent: ['percent'],
  person: ['person', 'name'],
  org: ['org', 'name'],
  place: ['place', 'name'],
  name: ['name', 'person', 'org', 'place'],
};

/** Whether the stored entity tags of a passage hold an answer of this type. */
export function tagsHold(tags: EntityTags, type: AnswerType): boolean {
  return KINDS[type].some((k) => (tags[k] ?? 0) > 0);
}

/**
 * Whether a piece of text (a sentence) holds an answer of this type: patterns for dates and quantities; for
 * people, organisations, places and names, a capitalised word that is not at the start of the text and not
 * already in the question.
 */
export function textHolds(text: string, type: AnswerType, questionWords: ReadonlySet<string>): boolean {
  const re = PATTERN[type];
  if (re) return re.test(text);
  for (const m of text.matchAll(/(?<=[^.!?]\s)(\p{Lu}[\p{L}'’-]+)/gu)) {
    if (!questionWords.has(m[1].toLowerCase().replace(/['’]s$/, ''))) return true;
  }
  return false;
}

/** Whether a passage holds an answer of this type (patterns only; used where no tags are stored). */
export function hasType(text: string, type: AnswerType): boolean {
  return textHolds(text, type, new Set());
}
