// The `verbatim` command line (commander). Every command reports failures as one clear message and a
// non-zero exit code, never a stack trace.
import readline from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { ask, openEngine, reindex, type Engine } from '../engine.js';
import { missingFiles, ModelMissingError, presetFor, resolveModelId } from '../embed/model.js';
import { STATIC_MODEL_ID } from '../embed/presets.js';
import { buildStaticModel } from '../embed/static/build.js';
import { LockBusyError } from '../index/lock.js';
import { StoreError } from '../index/store.js';
import { renderAnswer } from './render.js';
import { detailLines, progressReporter, summaryLine } from './progress.js';
import { watchCorpus } from './watch.js';
import type { Answer } from '../answer/compose.js';

const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

function config(): Config {
  return loadConfig();
}

/** Opens the engine, bringing the index up to date; index reports go to stderr so stdout stays data. */
async function open(cfg: Config, quiet = false): Promise<Engine> {
  const progress = progressReporter(process.stderr);
  try {
    return await openEngine(cfg, {
      onStatus: (m) => err(m),
      onProgress: progress.onProgress,
      onIndexed: (s) => {
        progress.stop();
        if (s.changed && !quiet) err(summaryLine(s));
        if (!quiet) for (const l of detailLines(s)) err(l);
      },
    });
  } finally {
    progress.stop();
  }
}

function answerJson(a: Answer): string {
  return JSON.stringify({
    question: a.question,
    answered: a.answered,
    ...(a.message ? { message: a.message } : {}),
    passages: a.passages.map((p) => ({
      rank: p.rank,
      text: p.text,
      highlight: p.highlight,
      docId: p.docId,
      file: p.file,
      title: p.title,
      source: p.source,
      date: p.date,
      paragraph: p.paragraph,
      part: p.part,
      start: p.start,
      end: p.end,
      score: p.score,
      citation: p.citation,
    })),
    ...(a.answered ? {} : { closest: a.closest }),
  });
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10) throw new InvalidArgumentError('must be a whole number from 1 to 10');
  return n;
};

const program = new Command()
  .name('verbatim')
  .description('Answers questions about news articles by quoting them verbatim, with citations.')
  .showHelpAfterError();

program
  .command('index')
  .description('bring the index up to date with the corpus folder (only new and changed passages are embedded)')
  .option('-w, --watch', 're-index when files in the corpus change')
  .action(async (opts: { watch?: boolean }) => {
    const cfg = config();
    const progress = progressReporter(process.stdout);
    const report = (s: Parameters<typeof summaryLine>[0]) => {
      progress.stop();
      out(summaryLine(s));
      for (const l of detailLines(s)) out(l);
    };
    const engine = await openEngine(cfg, { update: false, onStatus: err });
    await reindex(engine, { onProgress: progress.onProgress, onStatus: err, onIndexed: report });
    if (opts.watch) {
      out(`Watching ${cfg.corpusDir} for changes (Ctrl-C to stop)…`);
      await watchCorpus(cfg.corpusDir, () => reindex(engine, { onStatus: err, onIndexed: report }), (e) => err(`Re-index failed: ${(e as Error).message}`));
    }
  });

program
  .command('ask')
  .description('answer a question with quotes from the articles (reads one question per line from stdin when none is given)')
  .argument('[question...]', 'the question')
  .option('-k, --top <n>', 'number of passages to quote', positiveInt)
  .option('--json', 'print one JSON object per question')
  .action(async (words: string[], opts: { top?: number; json?: boolean }) => {
    const cfg = config();
    const k = opts.top ?? cfg.topK;
    const print = (a: Answer) => out(opts.json ? answerJson(a) : renderAnswer(a, process.stdout.isTTY));
    if (words.length === 0 && process.stdin.isTTY) {
      throw new InvalidArgumentError('Give a question, e.g. verbatim ask "When did Panetta visit Hanoi?" (or pipe questions on stdin).');
    }
    const engine = await open(cfg, opts.json);
    if (words.length) {
      print(await ask(engine, words.join(' '), k));
      return;
    }
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    let first = true;
    for await (const line of rl) {
      if (!line.trim()) continue;
      if (!opts.json && !first) out('');
      first = false;
      print(await ask(engine, line, k));
    }
  });

program
  .command('chat')
  .description('ask questions interactively')
  .action(async () => {
    const cfg = config();
    const engine = await open(cfg);
    out(`Verbatim — ${Object.keys(engine.index.store.manifest.articles).length} articles. Ask a question; "exit" or Ctrl-D to leave.`);
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: 'verbatim> ' });
    rl.prompt();
    for await (const line of rl) {
      const q = line.trim();
      if (q === 'exit' || q === 'quit') break;
      if (q) out(renderAnswer(await ask(engine, q), process.stdout.isTTY) + '\n');
      rl.prompt();
    }
    rl.close();
  });

program
  .command('sources')
  .description('list the indexed articles')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const engine = await open(config(), true);
    const articles = Object.values(engine.index.store.manifest.articles).sort((a, b) => a.file.localeCompare(b.file));
    if (opts.json) {
      out(JSON.stringify(articles.map((a) => ({ file: a.file, title: a.title, source: a.source, date: a.date, passages: a.labels.length }))));
      return;
    }
    if (!articles.length) out(`No articles indexed. Put .txt, .md or .html files in ${engine.config.corpusDir} and run: verbatim index`);
    for (const a of articles) {
      out(`${a.title}\n    ${[a.source, a.date, `${a.labels.length} passages`].filter(Boolean).join(', ')} — ${a.file}`);
    }
  });

const model = program.command('model').description('embedding model tools');
model
  .command('build')
  .description('build the offline static embedding model (WordNet + the BERT WordPiece tokenizer) into MODELS_DIR')
  .option('--if-missing', 'do nothing when it is already built')
  .action((opts: { ifMissing?: boolean }) => {
    const cfg = config();
    const id = STATIC_MODEL_ID;
    if (opts.ifMissing && missingFiles(cfg.modelsDir, id).length === 0) return;
    out(`Building ${id} in ${cfg.modelsDir} from WordNet and ${cfg.tokenizerDir}…`);
    const r = buildStaticModel({ modelsDir: cfg.modelsDir, tokenizerDir: cfg.tokenizerDir, progress: (m) => out(`  ${m}`) });
    out(`Built ${r.dir} in ${r.seconds.toFixed(0)} s.`);
  });
model
  .command('info')
  .description('show which model would be used and whether its files are present')
  .action(() => {
    const cfg = config();
    const id = resolveModelId(cfg.embeddingModel, cfg.modelsDir);
    const preset = presetFor(id);
    const missing = missingFiles(cfg.modelsDir, id);
    out(`${id} (${preset.builtin ? 'built offline' : 'pretrained'}), ${preset.dims} dimensions, dense weight ${preset.denseWeight}`);
    out(missing.length ? `missing in ${cfg.modelsDir}/${id}: ${missing.join(', ')}` : `files present in ${cfg.modelsDir}/${id}`);
  });

program
  .command('bot')
  .description('run the Discord bot')
  .action(async () => {
    const { runBot } = await import('../bot/run.js');
    await runBot(config());
  });

function friendly(e: unknown): string {
  if (e instanceof ConfigError || e instanceof ModelMissingError || e instanceof LockBusyError || e instanceof InvalidArgumentError) return e.message;
  if (e instanceof StoreError) return `The index is damaged: ${e.message}. Run: verbatim index`;
  const msg = (e as Error)?.message ?? String(e);
  return `verbatim: ${msg}`;
}

program.parseAsync(process.argv).catch((e: unknown) => {
  err(friendly(e));
  if (process.env.VERBATIM_DEBUG) err((e as Error)?.stack ?? '');
  process.exit(1);
});
