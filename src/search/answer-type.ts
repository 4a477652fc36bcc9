// "When…?" wants a date and "How many…?" a number: a passage that has one is a better quote than one that
// only repeats the question's words.
export type AnswerType = 'date' | 'number';

const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DATE = new RegExp(`\\b(?:${MONTH}\\.?\\s+\\d{1,2}\\b|\\d{1,2}\\s+${MONTH}\\b|(?:1[5-9]|20)\\d{2}s?\\b|${MONTH}\\b|(?:mon|tues|wednes|thurs|fri|satur|sun)day\\b|centur(?:y|ies)\\b)`, 'i');
const NUMBER = /\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen)\b/i;

export function expectedType(question: string): AnswerType | null {
  const q = question.toLowerCase();
  if (/^\s*when\b|\b(?:what|which) (?:date|day|year|month|time|century|decade)\b|\bin what year\b|\bhow long ago\b/.test(q)) return 'date';
  if (/\bhow (?:many|much|long|old|far|large|big|tall|high)\b|\bwhat (?:number|percentage|percent|amount|proportion)\b/.test(q)) return 'number';
  return null;
}

export function hasType(text: string, type: AnswerType): boolean {
  return type === 'date' ? DATE.test(text) : NUMBER.test(text);
}
