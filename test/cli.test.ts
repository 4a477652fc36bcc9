// The `verbatim` command as a user runs it: the --json contract, questions on stdin, and clear errors.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SEED_CORPUS, TEST_STORE, testStore, tmp, writeFiles, type TestStore } from './helpers.js';
import { STATIC_MODEL_ID } from '../src/embed/presets.js';
import { localPretrained } from '../src/embed/setup.js';
import { loadConfig } from '../src/config.js';

const ROOT_MODELS = loadConfig().modelsDir;

let store: TestStore;
beforeAll(async () => {
  store = await testStore();
});

// How the command reads its input and prints is the same whatever the store; the PostgreSQL pass runs only
// the tests whose answers come from the store.
const ioOnly = it.skipIf(TEST_STORE !== 'sqlite');

function cli(args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/verbatim.mjs'), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, CORPUS_DIR: SEED_CORPUS, ...store.env, LOG_LEVEL: 'silent', ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('verbatim ask --json', () => {
  it('prints one object with the documented fields, each quote checkable against its file', () => {
    const r = cli(['ask', '--json', '--all', 'What did the US call on all parties to carry out in the East Sea?']);
    expect(r.code).toBe(0);
    // The first question indexes the corpus and saves the vector index cache: nothing on the way failed.
    expect(r.stderr).not.toMatch(/could not|failed|error/i);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const a = JSON.parse(lines[0]);
    expect(a.question).toBe('What did the US call on all parties to carry out in the East Sea?');
    expect(a.answered).toBe(true);
    expect(a.passages).toHaveLength(3);
    a.passages.forEach((p: Record<string, unknown>, i: number) => {
      for (const key of ['rank', 'text', 'highlight', 'docId', 'file', 'title', 'source', 'date', 'paragraph', 'score']) expect(p).toHaveProperty(key);
      expect(p.rank).toBe(i + 1);
      const source = fs.readFileSync(path.join(SEED_CORPUS, p.file as string), 'utf8');
      expect(source.slice(p.start as number, p.end as number)).toBe(p.text);
      for (const h of p.highlight as { start: number; end: number }[]) {
        expect(h.start).toBeGreaterThanOrEqual(0);
        expect(h.end).toBeLessThanOrEqual((p.text as string).length);
      }
    });
    expect(a.passages[0].text).toContain('Declaration on the Conduct of Parties');
    expect(a.passages[0].score).toBeGreaterThanOrEqual(a.passages[1].score);
  });

  it('quotes the first passage with the passages beside it, each checkable against its file, and none of them again', () => {
    const question = 'Which shipyard was refitting the American cargo ship?';
    const a = JSON.parse(cli(['ask', '--json', '--all', question]).stdout);
    const [first, ...rest] = a.passages as { text: string; file: string; start: number; end: number; paragraph: number; citation: string; context?: { before: Ctx[]; after: Ctx[] } }[];
    type Ctx = { text: string; paragraph: number; start: number; end: number };
    expect(first.text).toContain('Vinashin Shipbuilding');
    const around = [...(first.context?.before ?? []), ...(first.context?.after ?? [])];
    expect(around.length).toBeGreaterThan(0);
    const source = fs.readFileSync(path.join(SEED_CORPUS, first.file), 'utf8');
    for (const c of around) expect(source.slice(c.start, c.end)).toBe(c.text);
    // In article order, next to each other, within the window's 600 characters.
    const window = [...(first.context?.before ?? []), first, ...(first.context?.after ?? [])];
    window.slice(1).forEach((p, i) => expect(p.start).toBeGreaterThan(window[i].end - 1));
    expect(window.reduce((n, p) => n + p.text.length, 0)).toBeLessThanOrEqual(600);
    expect(first.citation).toContain(`¶${window[0].paragraph}–${window[window.length - 1].paragraph}`);
    for (const p of rest) expect(around.map((c) => c.start)).not.toContain(p.start);
    // The terminal shows the context with the quote.
    const shown = cli(['ask', question]).stdout.replace(/\s+/g, ' ');
    for (const c of around) expect(shown).toContain(c.text.replace(/\s+/g, ' ').trim());
  });

  ioOnly('-k sets the number of quotes; without --all only those that bear on the question are shown', () => {
    const a = JSON.parse(cli(['ask', '--json', '-k', '1', '--all', 'Who is Jessica Lewis?']).stdout);
    expect(a.passages).toHaveLength(1);
    const judged = JSON.parse(cli(['ask', '--json', 'What did the US call on all parties to carry out in the East Sea?']).stdout);
    expect(judged.passages.length).toBeGreaterThanOrEqual(1);
    expect(judged.passages.length).toBeLessThan(3);
    expect(judged.passages[0].text).toContain('Declaration on the Conduct of Parties');
  });

  it('says it could not find what the articles do not cover, with no quotes', () => {
    const a = JSON.parse(cli(['ask', '--json', 'What is the capital of France?']).stdout);
    expect(a).toMatchObject({ answered: false, passages: [] });
    expect(a.message).toMatch(/couldn't find that in the articles/);
  });

  ioOnly('reads one question per line from stdin and prints one JSON object per line', () => {
    const r = cli(['ask', '--json'], 'Who is the US Defense Secretary who welcomed Giang\'s visit?\n\nWhat is the population of Tokyo?\n');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.answered)).toEqual([true, false]);
    expect(lines[0].passages[0].text).toContain('Lloyd Austin');
  });

  it('a year no article speaks of gets the closest passage, marked tentative, not an answer', () => {
    const q = 'Which US defence secretary visited Vietnam in 2009?';
    const a = JSON.parse(cli(['ask', '--json', q]).stdout);
    expect(a).toMatchObject({ answered: false, tentative: true, message: 'No article here speaks of 2009; the closest passage:' });
    expect(a.passages).toHaveLength(1);
    expect(a.passages[0].text).toContain('2018');
    const human = cli(['ask', q]).stdout;
    expect(human).toMatch(/^No article here speaks of 2009; the closest passage:\n\n\[1\] “/);
    // The same question about a year an article is of is answered from that article.
    const esper = JSON.parse(cli(['ask', '--json', 'Which US defence secretary visited Vietnam in 2019?']).stdout);
    expect(esper).toMatchObject({ answered: true, tentative: false });
    expect(esper.passages[0].file).toBe('001_f7851b020e12dbef.txt');
  });

  it('never hides a stated answer: mixed evidence gets the closest passages, marked as possibly not answering', () => {
    const cases = [
      { q: 'Which shipyard was refitting the American cargo ship?', a: 'Vinashin' },
      { q: 'Who did Mark Esper hold talks with in Ha Noi?', a: 'Ngo Xuan Lich' },
    ];
    let tentative = 0;
    for (const c of cases) {
      const a = JSON.parse(cli(['ask', '--json', c.q]).stdout);
      expect(a.answered || a.tentative, c.q).toBe(true);
      // Shown: a quote, or the passages quoted with the first as its context.
      const shown = a.passages.flatMap((p: { text: string; context?: { before: { text: string }[]; after: { text: string }[] } }) => [p.text, ...[...(p.context?.before ?? []), ...(p.context?.after ?? [])].map((x) => x.text)]);
      expect(shown.some((t: string) => t.replace(/\s+/g, ' ').includes(c.a)), c.q).toBe(true);
      if (a.tentative) {
        tentative++;
        expect(a.message).toMatch(/^This may not answer your question — the closest passages?:$/);
        expect(cli(['ask', c.q]).stdout.startsWith(`${a.message}\n\n[1] “`)).toBe(true);
      }
    }
    expect(tentative).toBeGreaterThan(0);
  });

  ioOnly('prints a human answer with numbered citations', () => {
    const r = cli(['ask', 'Where was the 10th political, security and defence dialogue held?']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[1\] “/);
    expect(r.stdout).toContain('Washington DC');
    expect(r.stdout).toMatch(/Vietnam, US hold 10th political, security, defence dialogue — March 25, ¶\d+(?:–\d+)? \(003_313595e064d81634\.txt\)/);
  });

  ioOnly('answers a bad question with help, not a stack trace', () => {
    const empty = JSON.parse(cli(['ask', '--json', '   ']).stdout);
    expect(empty.answered).toBe(false);
    expect(empty.message).toMatch(/Ask a question/);
    const long = JSON.parse(cli(['ask', '--json', 'why '.repeat(200)]).stdout);
    expect(long.message).toMatch(/under 500/);
    const badK = cli(['ask', '-k', 'lots', 'hello']);
    expect(badK.code).not.toBe(0);
    expect(badK.stderr).toMatch(/whole number/);
    expect(badK.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('verbatim chat', () => {
  ioOnly('answers each question typed at its prompt until "exit"', () => {
    const r = cli(['chat'], 'Who is Jessica Lewis?\nWhat is the population of Tokyo?\nexit\nWho is ignored after exit?\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Verbatim — 5 articles/);
    expect(r.stdout).toMatch(/\[1\] “[^”]*Jessica Lewis/);
    expect(r.stdout).toMatch(/couldn't find that in the articles/);
    expect(r.stdout).not.toMatch(/ignored after exit/);
  });
});

describe('verbatim index and sources', () => {
  it('prints one summary line when not on a terminal, and lists skipped files with a reason', async () => {
    const corpus = tmp('verbatim-cli-corpus-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    writeFiles(corpus, { 'photo.txt': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]), 'notes.pdf': 'x' });
    const r = cli(['index'], undefined, { CORPUS_DIR: corpus, ...(await testStore()).env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Indexed 5 files, 55 passages: 55 embedded, 0 reused in [\d.]+ s; 2 skipped$/m);
    expect(r.stdout).toMatch(/skipped photo\.txt: binary file \(looks like a PNG image\)/);
    expect(r.stdout).toMatch(/skipped notes\.pdf: unsupported type/);
  });

  it('lists the indexed articles with outlet, date and passage counts', () => {
    const r = cli(['sources', '--json']);
    const list = JSON.parse(r.stdout);
    expect(list).toHaveLength(5);
    expect(list.find((a: { file: string }) => a.file.startsWith('001'))).toMatchObject({ source: 'VGP', date: '2019-11-20', passages: 6 });
    // Every bundled page prints a date (a date line, a dateline, the lead's "on March 25"); a page that
    // prints no year keeps a date without one rather than a year guessed from its body.
    expect(Object.fromEntries(list.map((a: { file: string; date: string | null }) => [a.file.slice(0, 3), a.date]))).toEqual({
      '000': '--06-04', '001': '2019-11-20', '002': '--09-06', '003': '--03-25', '004': '--03-30',
    });
  });

  ioOnly('a store built with another model is re-embedded once, without first rebuilding the old vector index', async () => {
    const fresh = (await testStore()).env;
    expect(cli(['index'], undefined, { ...fresh, EMBEDDING_MODEL: STATIC_MODEL_ID }).code).toBe(0);
    // A process that answers saves the vector index (the indexer left it to the change log).
    expect(cli(['ask', 'Who is Jessica Lewis?'], undefined, { ...fresh, EMBEDDING_MODEL: STATIC_MODEL_ID }).code).toBe(0);
    // Without its saved file the old model's index would have to be rebuilt from its vectors, and say so.
    const hnsw = path.join(fresh.EMBEDDINGS_DIR, 'hnsw');
    for (const f of fs.readdirSync(hnsw)) if (!f.endsWith('.json')) fs.rmSync(path.join(hnsw, f));
    const model = localPretrained(ROOT_MODELS)[0];
    const r = cli(['ask', 'Who is Jessica Lewis?'], undefined, { ...fresh, EMBEDDING_MODEL: model });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`The index was built with ${STATIC_MODEL_ID}; re-embedding its 55 passages with ${model}, once`);
    expect(r.stderr).not.toMatch(/its file is missing/);
    expect(r.stdout).toContain('Jessica Lewis');
  });

  ioOnly('explains a missing model: the folder and the files it expected', () => {
    const r = cli(['ask', 'hello'], undefined, { EMBEDDING_MODEL: 'Xenova/all-MiniLM-L6-v2', ALLOW_REMOTE_MODELS: 'false', MODELS_DIR: tmp('verbatim-models-') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Embedding model "Xenova\/all-MiniLM-L6-v2" is not available/);
    expect(r.stderr).toMatch(/Xenova\/all-MiniLM-L6-v2\/: config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model_quantized\.onnx/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  ioOnly('rejects invalid configuration with a sentence naming the variable', () => {
    const r = cli(['sources'], undefined, { TOP_K: 'many' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TOP_K/);
  });
});
