// Proper names in a question ("NATO", "Leon Panetta"): what a passage's article must mention to answer it.
// compromise (a maintained English NLP library) tags them, which takes one to two milliseconds a question:
// it runs on a side thread, asked first, so the names are ready by the time the store has been searched.
import { createRequire } from 'node:module';
import { sideThread, type SideThread } from '../side-thread.js';

const PROPER_NOUNS = '#ProperNoun+';

type Tagger = (question: string) => string[];
let here: Promise<Tagger> | undefined;
/** compromise on this thread: what the side thread falls back to. */
async function properNounsHere(question: string): Promise<string[]> {
  here ??= import('compromise').then(({ default: nlp }) => (q: string) => nlp(q).match(PROPER_NOUNS).out('array') as string[]);
  return (await here)(question);
}

let thread: SideThread<string, string[]> | undefined;
function tagger(): SideThread<string, string[]> {
  thread ??= sideThread<string, string[]>(
    `const nlp = require(data.compromise); return (q) => nlp(q).match(data.pattern).out('array');`,
    { compromise: createRequire(import.meta.url).resolve('compromise'), pattern: PROPER_NOUNS },
    properNounsHere,
  );
  return thread;
}

export async function questionNames(question: string): Promise<string[]> {
  const names = new Set<string>();
  for (const m of await tagger().run(question)) names.add(m.replace(/['’]s$|[?.,!:;]+$/g, '').trim());
  for (const m of question.match(/\b[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*\b/g) ?? []) names.add(m);
  return [...names].filter((n) => n.length > 1);
}

/** Starts the tagger (compromise takes about half a second to load) and resolves once it answers. */
export const preloadNames = () => questionNames('Warm Up');

export async function stopNames(): Promise<void> {
  const t = thread;
  thread = undefined;
  await t?.close();
}
