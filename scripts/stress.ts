// npm run stress [-- --runs N] [--kinds first,warm,batch,chat,index,bot] [--asan]
// Runs each kind of command N times (default 100) and reports every run that did not end cleanly (exit
// code, signal, or a crash message from glibc, V8 or a sanitizer); exits 1 if there was one. --asan runs
// them with AddressSanitizer's runtime preloaded (Debian's libasan8 / gcc's libasan.so), which checks
// every allocation and free of the process, the native addons' and onnxruntime's included.
import { execFileSync } from 'node:child_process';
import { KINDS, stress, type Kind } from './lib/stress.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(opt('runs') ?? 100);
const kinds = (opt('kinds')?.split(',') ?? KINDS) as Kind[];
for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`unknown kind "${k}" (${KINDS.join(', ')})`);

const env: Record<string, string> = {};
if (args.includes('--asan')) {
  const lib = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
  env.LD_PRELOAD = lib;
  // V8 and onnxruntime reserve address space in ways that are not leaks; what matters here is corruption.
  env.ASAN_OPTIONS = 'detect_leaks=0:alloc_dealloc_mismatch=1:abort_on_error=1:halt_on_error=1';
}

const tallies = await stress(kinds, runs, {
  env,
  onRun: (o, n) => {
    if (!o.ok) process.stderr.write(`\n${o.kind} run ${n}: ${o.why}\n${o.stderr.trim().split('\n').slice(-8).join('\n')}\n`);
    else if (n % 10 === 0) process.stderr.write(`${o.kind}: ${n} runs\n`);
  },
});
let bad = 0;
for (const t of tallies) {
  bad += t.abnormal.length;
  console.log(`${t.kind}: ${t.abnormal.length} abnormal of ${t.runs} runs (median ${(t.medianMs / 1000).toFixed(2)} s a run)`);
}
process.exit(bad ? 1 : 0);
