// npm run eval:time [-- --seeds 2001,2002] [--stories 4] [--grid] [--similarity] [--verbose] [--json] [--no-meetings]
// Answers that depend on when (issue 31), on recurring stories (scripts/lib/stories.ts: a ferry fare set
// and raised, yearly museum reports, a club's chair, a bridge announced, re-costed and opened; ferry and
// bridge share a town and a river), dated the four ways pages date themselves and indexed beside the
// bundled corpus and the saved news pages. Reports, per kind of question, how often the first quote comes
// from the article of the right date and holds the answer; how often a question about a year no article
// covers is not answered as if it were; and how many timelines list exactly the story's articles in date
// order. `--grid` also tries other relevance bars (search/when.ts, search/timeline.ts), choosing on one
// seed and reporting on the others (cross-validation by seed). Seeds of the dev stories start at 2001.
import { loadConfig } from '../src/config.js';
import { ask, timeline, type Engine } from '../src/engine.js';
import { composeAnswer } from '../src/answer/compose.js';
import { search } from '../src/search/search.js';
import { SHARED } from '../src/store/types.js';
import { updateIndex } from '../src/index/update.js';
import { RELEVANT } from '../src/search/when.js';
import { TIMELINE_BAR } from '../src/search/timeline.js';
import { storyCorpus, type StoryCorpus } from './lib/stories.js';
import { containsAnswer, corpusWith, emptyStore, evalEmbedder } from './lib/harness.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name: string) => args.includes(`--${name}`);
const seeds = opt('seeds', '2001,2002,2003').split(',').map(Number);
const perKind = Number(opt('stories', '4'));
const config = loadConfig();
const embedder = await evalEmbedder();

interface Tally {
  n: number;
  right: number;
}
type Report = Record<string, Tally> & { timelines: Tally; timelineMs: number[] };

async function build(seed: number): Promise<{ engine: Engine; stories: StoryCorpus; close: () => Promise<void> }> {
  const stories = storyCorpus(seed, perKind, undefined, { meetings: !flag('no-meetings') });
  const corpus = corpusWith('verbatim-stories-', stories.articles);
  const store = await emptyStore();
  await updateIndex({ store, corpusDir: corpus, maxFileBytes: config.maxFileBytes, embedder });
  await store.refresh();
  return { engine: { config, embedder, store } as Engine, stories, close: () => store.close() };
}

const verbose = flag('verbose');
async function measure(engine: Engine, stories: StoryCorpus): Promise<Report> {
  process.env.VERBATIM_TODAY = stories.today;
  const report = { timelines: { n: 0, right: 0 }, timelineMs: [] } as unknown as Report;
  for (const q of stories.questions) {
    // --similarity: the same product with the question's time ignored (what ranking by meaning alone gives).
    const a = flag('similarity')
      ? await composeAnswer(engine.store, q.q, await search(engine.store, engine.embedder, [SHARED], q.q, 3, { time: null }))
      : await ask(engine, q.q, { k: 3 });
    const t = (report[q.kind] ??= { n: 0, right: 0 });
    t.n++;
    const first = a.passages[0];
    // An uncovered year: not answered as if another year's figure were that year's (refused, or shown as
    // tentative with the reason).
    const right = q.file === null ? !a.answered : a.answered && first?.file === q.file && containsAnswer(first.text, q.a);
    if (right) t.right++;
    else if (verbose) console.log(`✗ [${q.kind}] ${q.q}\n    want ${q.file ?? 'no answer'} ${q.a.join('|')}; got ${a.answered ? 'answered' : a.tentative ? 'tentative' : 'refused'} ${first?.file ?? ''} ${first?.text.slice(0, 90) ?? ''}`);
    if (q.file !== null) {
      // Beside the first quote: whether the article of the right time came first, and whether what is shown
      // holds the answer (from that article), as a reader sees it.
      const article = (report.article ??= { n: 0, right: 0 });
      const shown = (report.shown ??= { n: 0, right: 0 });
      article.n++;
      shown.n++;
      if (a.answered && first?.file === q.file) article.right++;
      if ((a.answered || a.tentative) && a.passages.some((p) => p.file === q.file && containsAnswer(p.text, q.a))) shown.right++;
    }
  }
  for (const tl of stories.timelines) {
    const t0 = performance.now();
    const got = await timeline(engine, tl.topic);
    report.timelineMs.push(performance.now() - t0);
    report.timelines.n++;
    const files = got.entries.map((e) => e.file);
    if (JSON.stringify(files) === JSON.stringify(tl.files)) report.timelines.right++;
    else if (verbose) console.log(`✗ [timeline] ${tl.topic}\n    want ${tl.files.join(' ')}\n    got  ${files.join(' ')}`);
  }
  delete process.env.VERBATIM_TODAY;
  return report;
}

const rate = (t: Tally | undefined) => (t && t.n ? t.right / t.n : NaN);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
function summary(r: Report): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (k !== 'timelineMs') out[k] = `${(v as Tally).right}/${(v as Tally).n}`;
  out.timelineMedianMs = median(r.timelineMs).toFixed(0);
  return out;
}
const dated = (r: Report) => ['year', 'latest', 'earliest', 'last-year'].reduce((s, k) => s + (r[k]?.right ?? 0), 0) / ['year', 'latest', 'earliest', 'last-year'].reduce((s, k) => s + (r[k]?.n ?? 0), 0);
const objective = (r: Report) => dated(r) + rate(r.uncovered) + rate(r.timelines);

const built: ({ seed: number } & Awaited<ReturnType<typeof build>>)[] = [];
for (const seed of seeds) built.push({ seed, ...(await build(seed)) });
const results: Record<string, Record<string, string>> = {};
for (const b of built) {
  const r = await measure(b.engine, b.stories);
  results[`seed ${b.seed}`] = { dated: dated(r).toFixed(3), ...summary(r) };
}
if (flag('grid')) {
  // Relevance bars chosen on one seed, judged on the others.
  const grid: { relevant: typeof RELEVANT; bar: typeof TIMELINE_BAR }[] = [];
  for (const drop of [0.02, 0.05, 0.1]) for (const cosine of [0.08, 0.12, 0.16, 1]) grid.push({ relevant: { floor: 0.5, drop, cosine }, bar: { floor: 0.5, drop: drop * 2, cosine: cosine + 0.03 } });
  const saved = { relevant: { ...RELEVANT }, bar: { ...TIMELINE_BAR } };
  const scores: number[][] = [];
  for (const g of grid) {
    Object.assign(RELEVANT, g.relevant);
    Object.assign(TIMELINE_BAR, g.bar);
    const row: number[] = [];
    for (const b of built) row.push(objective(await measure(b.engine, b.stories)));
    scores.push(row);
    console.log(`relevant ${JSON.stringify(g.relevant)} timeline ${JSON.stringify(g.bar)}: ${row.map((x) => x.toFixed(3)).join(' ')}`);
  }
  Object.assign(RELEVANT, saved.relevant);
  Object.assign(TIMELINE_BAR, saved.bar);
  built.forEach((b, held) => {
    const pickOn = (i: number) => built.reduce((s, _, j) => (j === held ? s : s + scores[i][j]), 0);
    const best = scores.map((_, i) => i).reduce((a, c) => (pickOn(c) > pickOn(a) ? c : a), 0);
    console.log(`held out seed ${b.seed}: chosen ${JSON.stringify(grid[best])} → ${scores[best][held].toFixed(3)} (shipped: ${objective0(held)})`);
  });
}
function objective0(held: number): string {
  const s = results[`seed ${built[held].seed}`];
  return s ? s.dated : '?';
}
for (const b of built) await b.close();
if (flag('json')) console.log(JSON.stringify(results));
else console.table(results);
