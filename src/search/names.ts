// Proper names in a question ("NATO", "Leon Panetta", "Roussel de Bailleul"): what a passage's article must
// mention to answer it. Capitals mark them. A run of capitalised words is one name, with the particles that
// join the parts of a name ("de", "van") inside it. The first word of a sentence is capitalised anyway, so
// it starts a name only when the name goes on past it ("Richard Karp wrote…") or it is an acronym or a
// word with a capital inside ("NATO", "iPhone"); alone it is usually just a word ("Complexity theory…").
//
// This replaced compromise's part-of-speech tagger (#ProperNoun), which took 2.5 ms of a side thread's
// time a question at 100,000 passages (1 ms alone) and gave the same names for 87% of the evaluation
// questions; where they differ, the tagger mostly took in the word after a name ("Norman art", "Edward
// return", "Turing machines") or before it ("southern California"), or glued the names of a list together.
import { STOPWORDS } from '../text/stopwords.js';

/** Words that start questions and requests without being names, beside the stopwords ("what", "who"…). */
const OPENERS = new Set(['when', 'why', 'name', 'list', 'give', 'tell', 'describe', 'explain', 'define', 'identify', 'compare']);
/** Lower-case words that sit inside names: "Roussel de Bailleul", "Ludwig van Beethoven". */
const PARTICLES = new Set(['de', 'da', 'del', 'della', 'di', 'du', 'des', 'van', 'von', 'der', 'den', 'la', 'le', 'bin', 'al', 'el', 'ibn']);

const WORD_OR_MARK = /[\p{L}\p{N}](?:[\p{L}\p{N}'’-]|\.(?=[\p{L}\p{N}]))*|[^\s\p{L}\p{N}]+/gu;
const CAPITAL = /\p{Lu}/u;
/** More than a first capital: an acronym, a capital inside the word, or a digit ("NATO", "McCain", "F-16"). */
const MARKED = /^.+\p{Lu}|\d/u;
/** Acronyms, also inside longer words ("NP" in "NP-complete"): names of their own. */
const ACRONYM = /\b[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*\b/g;

function isOpener(word: string): boolean {
  const lower = word.toLowerCase().replace(/['’]s$/, '');
  return STOPWORDS.has(lower) || OPENERS.has(lower);
}

export function questionNames(question: string): string[] {
  const names = new Set<string>();
  let run: string[] = [];
  let runOpensSentence = false;
  let sentenceStart = true;
  let previousToken = '';
  const endRun = () => {
    while (run.length && !CAPITAL.test(run[run.length - 1])) run.pop(); // a particle cannot end a name
    if (run.length > 1 || (run.length === 1 && (!runOpensSentence || MARKED.test(run[0])))) names.add(run.join(' ').replace(/['’]s$/, ''));
    run = [];
  };
  for (const [tok] of question.matchAll(WORD_OR_MARK)) {
    const before = previousToken;
    previousToken = tok;
    if (!/^[\p{L}\p{N}]/u.test(tok)) {
      if (tok === '.' && before.includes('.')) continue; // the end of an abbreviation ("U.S. Navy")
      endRun();
      if (/[.!?:;"“”(]/.test(tok)) sentenceStart = true;
      continue;
    }
    const opens = sentenceStart;
    sentenceStart = false;
    if (CAPITAL.test(tok) && !(opens && isOpener(tok))) {
      if (!run.length) runOpensSentence = opens;
      run.push(tok);
    } else if (run.length && PARTICLES.has(tok)) {
      run.push(tok);
    } else {
      endRun();
    }
  }
  endRun();
  for (const m of question.match(ACRONYM) ?? []) names.add(m);
  return [...names].filter((n) => n.length > 1);
}

/** The question with its proper names taken out, or null when it has none (or nothing is left). */
export function withoutNames(question: string): string | null {
  const names = questionNames(question).sort((a, b) => b.length - a.length);
  if (!names.length) return null;
  let rest = question;
  for (const n of names) rest = rest.split(n).join(' ');
  rest = rest.replace(/\s+['’]s\b/g, ' ').replace(/\s+/g, ' ').trim();
  return (rest.match(/\p{L}{3,}/gu) ?? []).length >= 2 ? rest : null;
}
