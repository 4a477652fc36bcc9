// npm run train:reader [-- --layers 6 --epochs 2 --seed 13 --invented] [--no-write]
// Trains the reader (scripts/python/train_reader.py: a cross-encoder from all-MiniLM-L6-v2 that reads a
// question and a passage together) and installs it as assets/reader/: the graph converted to int8
// arithmetic for the runtime (src/embed/pretrained/quantize.ts) and a manifest saying how it was made.
//
// The training data is prepared here, with the product's own sentence splitter and entity tagger:
//   - SQuAD 2.0 training articles (../shared/eval/squad/train-v2.0-10articles.json), each paragraph cut
//     into passages of one to three sentences as news paragraphs are, the article's title beside each;
//   - each answerable question's passage is the one holding its answer; unanswerable questions have none;
//   - near-misses derived from a third of the answerable questions: the person, place, organisation, year
//     or number the question names swapped for another of the same kind from its article that the
//     answering passage does not name, so that passage no longer answers it;
//   - with --invented, the invented articles of the training seeds (scripts/lib/invented.ts, 11 and 12).
// The development articles (../shared/eval/squad/dev-v2.0-3articles.json) give a progress figure only.
// Same data, seed and settings give the same file (torch's deterministic algorithms, fixed threads).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nlp from 'compromise';
import { uniform } from '../src/embed/static/svd.js';
import { quantizeDynamic } from '../src/embed/pretrained/quantize.js';
import { sentenceSpans } from '../src/text/sentences.js';
import { inventCorpus } from './lib/invented.js';
import { runPython } from './lib/python-tools.js';
import { tempDir } from './lib/harness.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const SEED = Number(opt('seed', '13'));
const EVAL = path.resolve('../shared/eval');
const OUT = path.resolve(opt('out', 'assets/reader'));
const log = (s: string) => process.stderr.write(s + '\n');

interface Unit {
  text: string;
  title: string;
  article: number;
}
interface Group {
  q: string;
  para: number[];
  article: number;
  pos: number[];
  kind: 'answerable' | 'impossible' | 'near-miss';
  /** For a near-miss: the passages that answered the question it was made from (hard negatives now). */
  was?: number[];
}
interface Squad {
  data: { title: string; paragraphs: { context: string; qas: { question: string; is_impossible?: boolean; answers: { text: string; answer_start: number }[] }[] }[] }[];
}

const rand = uniform(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

/** Passages of one to three sentences, as offsets into `text`. */
function passagesOf(text: string): [number, number][] {
  const spans = sentenceSpans(text);
  const out: [number, number][] = [];
  for (let i = 0; i < spans.length; ) {
    const n = Math.min(spans.length - i, pick([1, 2, 2, 3]));
    out.push([spans[i].start, spans[i + n - 1].end]);
    i += n;
  }
  return out;
}

type Kind = 'person' | 'place' | 'org' | 'year' | 'number';
function entities(text: string): Map<Kind, string[]> {
  const doc = nlp(text);
  const clean = (xs: string[]) => [...new Set(xs.map((x) => x.replace(/[.,;:!?'’]+$|['’]s$/g, '').trim()).filter((x) => x.length > 1))];
  return new Map<Kind, string[]>([
    ['person', clean(doc.people().out('array') as string[])],
    ['place', clean(doc.places().out('array') as string[])],
    ['org', clean(doc.organizations().out('array') as string[])],
    ['year', clean(text.match(/\b(?:1[5-9]\d\d|20\d\d)\b/g) ?? [])],
    ['number', clean((text.match(/\b\d[\d,]*(?:\.\d+)?\b/g) ?? []).filter((n) => !/^(?:1[5-9]\d\d|20\d\d)$/.test(n)))],
  ]);
}

/** The question with one thing it names swapped for another of the same kind from its article, or null. */
function nearMiss(question: string, article: Map<Kind, string[]>, answering: string): string | null {
  const asked = entities(question);
  const kinds = ([...asked.keys()] as Kind[]).filter((k) => asked.get(k)!.some((e) => question.includes(e)));
  for (const kind of kinds.sort(() => rand() - 0.5)) {
    const e = pick(asked.get(kind)!.filter((x) => question.includes(x)));
    const pool = article.get(kind)!.filter((x) => x !== e && !answering.includes(x) && !question.includes(x) && x.split(' ').length <= e.split(' ').length + 1);
    if (pool.length) return question.replace(e, pick(pool));
  }
  return null;
}

function squadData(file: string, derive: boolean): { units: Unit[]; groups: Group[] } {
  const squad = JSON.parse(fs.readFileSync(file, 'utf8')) as Squad;
  const units: Unit[] = [];
  const groups: Group[] = [];
  squad.data.forEach((art, ai) => {
    const title = art.title.replace(/_/g, ' ');
    const ents = derive ? entities(art.paragraphs.map((p) => p.context).join('\n\n')) : new Map<Kind, string[]>();
    for (const para of art.paragraphs) {
      const spans = passagesOf(para.context);
      const ids = spans.map(([s, e]) => units.push({ text: para.context.slice(s, e), title, article: ai }) - 1);
      for (const qa of para.qas) {
        if (qa.is_impossible) {
          groups.push({ q: qa.question, para: ids, article: ai, pos: [], kind: 'impossible' });
          continue;
        }
        const a = qa.answers[0];
        const pos = ids.filter((_, i) => spans[i][0] <= a.answer_start && a.answer_start < spans[i][1] && units[ids[i]].text.includes(a.text));
        if (!pos.length) continue;
        groups.push({ q: qa.question, para: ids, article: ai, pos, kind: 'answerable' });
        if (derive && rand() < 0.35) {
          const miss = nearMiss(qa.question, ents, units[pos[0]].text);
          if (miss) groups.push({ q: miss, para: ids, article: ai, pos: [], kind: 'near-miss', was: pos });
        }
      }
    }
  });
  return { units, groups };
}

function inventedData(offset: number): { units: Unit[]; groups: Group[] } {
  const units: Unit[] = [];
  const groups: Group[] = [];
  let article = offset;
  for (const seed of [11, 12]) {
    const c = inventCorpus(seed, 40);
    for (const a of c.articles) {
      const [title, ...paragraphs] = a.text.trim().split(/\n\n+/);
      const ids = paragraphs.map((t) => units.push({ text: t, title, article }) - 1);
      for (const q of c.questions.filter((x) => x.doc === a.file)) {
        const pos = ids.filter((i) => q.a.some((ans) => units[i].text.toLowerCase().includes(ans.toLowerCase())));
        if (pos.length) groups.push({ q: q.q, para: ids, article, pos, kind: 'answerable' });
      }
      for (const n of c.nearMisses.filter((x) => x.doc === a.file)) groups.push({ q: n.q, para: ids, article, pos: [], kind: 'near-miss' });
      article++;
    }
  }
  return { units, groups };
}

const train = squadData(path.join(EVAL, 'squad/train-v2.0-10articles.json'), true);
if (args.includes('--invented')) {
  const inv = inventedData(1000);
  const off = train.units.length;
  train.units.push(...inv.units);
  train.groups.push(...inv.groups.map((g) => ({ ...g, para: g.para.map((u) => u + off), pos: g.pos.map((u) => u + off) })));
}
const dev = squadData(path.join(EVAL, 'squad/dev-v2.0-3articles.json'), false);
const work = tempDir('verbatim-reader-');
const dataFile = path.join(work, 'data.json');
fs.writeFileSync(dataFile, JSON.stringify({ ...train, dev }));
log(`training data: ${train.units.length} passages, ${train.groups.length} questions`);
if (args.includes('--dump')) fs.copyFileSync(dataFile, opt('dump', 'reader-data.json'));

runPython('train_reader.py', ['--data', dataFile, '--out', work, '--layers', opt('layers', '6'), '--epochs', opt('epochs', '2'), '--seed', String(SEED), '--max-len', opt('max-len', '160'), '--lr', opt('lr', '4e-5')]);

const trained = fs.readFileSync(path.join(work, 'reader.onnx'));
const { bytes, report } = quantizeDynamic(trained);
const manifest = JSON.parse(fs.readFileSync(path.join(work, 'manifest.json'), 'utf8')) as Record<string, unknown>;
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
Object.assign(manifest, {
  data: { sha256: sha(fs.readFileSync(dataFile)), squad: sha(fs.readFileSync(path.join(EVAL, 'squad/train-v2.0-10articles.json'))), invented: args.includes('--invented') },
  trainedSha256: sha(trained),
  sha256: sha(bytes),
  bytes: bytes.length,
  int8MatMuls: report.quantized,
});
if (!args.includes('--no-write')) {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'reader.onnx'), bytes);
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  log(`written ${path.join(OUT, 'reader.onnx')} (${(bytes.length / 1048576).toFixed(1)} MB, ${report.quantized} int8 matrix products)`);
}
console.log(JSON.stringify(manifest, null, 1));
