// Part of `npm ci`/`npm install` (from postinstall): rebuilds hnswlib-node's addon for this machine's CPU.
// Its own install compiles for the oldest x86-64 (SSE only); built with -march=native, the distance code
// uses the wider vector instructions the CPU has (AVX2 here). Measured on this project's machine: a
// search of a 50,000-point graph 1.3× as fast, building it 1.45× as fast (docs/benchmarks.md).
//
// Never fails the install and never leaves a broken addon: the build happens in a copy under
// node_modules/.cache, the new addon must pass a smoke test in a separate process (an instruction the CPU
// lacks would kill that process, not this one), and only then replaces the portable one. Set
// VERBATIM_PORTABLE_BUILD=1 to keep the portable addon, e.g. when node_modules is built on one machine
// and run on another.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const FLAGS = '-O3 -march=native';
/** Linux only: the linker's --wrap and MADV_HUGEPAGE (bin/hnswlib-hugepages.cc). */
const HUGE_PAGES = process.platform === 'linux';

function say(message) {
  console.log(`verbatim: ${message}`);
}

/** The addon answers a nearest-neighbour search correctly (run in a child process). */
function smokeTest(addon) {
  const script = `
    const { HierarchicalNSW } = require(${JSON.stringify(addon)});
    const h = new HierarchicalNSW('cosine', 64);
    h.initIndex(200, 16, 100, 1);
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
    const points = Array.from({ length: 200 }, () => Array.from({ length: 64 }, next));
    points.forEach((p, i) => h.addPoint(p, i));
    const hits = points.filter((p, i) => h.searchKnn(p, 1).neighbors[0] === i).length;
    if (hits < 195) throw new Error('wrong answers: ' + hits);`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
}

/**
 * Adds bin/hnswlib-hugepages.cc to the copy's build, its allocations wrapped by the linker (see that file);
 * false if the addon's build file is not the one this was written for.
 */
function linkHugePages(work) {
  const gypFile = path.join(work, 'binding.gyp');
  const gyp = fs.readFileSync(gypFile, 'utf8');
  const sources = '"sources": [ "src/addon.cc" ]';
  if (!gyp.includes(sources)) return false;
  fs.copyFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'hnswlib-hugepages.cc'), path.join(work, 'src', 'verbatim-hugepages.cc'));
  const wrapped = '"sources": [ "src/addon.cc", "src/verbatim-hugepages.cc" ], "ldflags": [ "-Wl,--wrap=malloc", "-Wl,--wrap=realloc" ]';
  fs.writeFileSync(gypFile, gyp.replace(sources, wrapped));
  return true;
}

export function buildNativeHnswlib(root) {
  if (process.env.VERBATIM_PORTABLE_BUILD === '1') return;
  if (process.platform === 'win32' || process.arch !== 'x64') return; // -march=native is for gcc/clang on x86-64
  let pkg;
  try {
    pkg = path.dirname(require.resolve('hnswlib-node/package.json', { paths: [root] }));
  } catch {
    return;
  }
  const installed = path.join(pkg, 'build', 'Release', 'addon.node');
  const marker = path.join(pkg, 'build', 'Release', 'verbatim-native.json');
  const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  const stamp = JSON.stringify({ version, node: process.versions.modules, flags: FLAGS, memory: HUGE_PAGES ? 'huge-pages-1' : 'plain' });
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === stamp) return;
  const gyp = process.env.npm_config_node_gyp; // npm's own node-gyp, as it used for the portable build
  if (!gyp || !fs.existsSync(installed)) return;

  const work = path.join(root, 'node_modules', '.cache', 'verbatim', 'hnswlib-native');
  const addon = path.join(work, 'build', 'Release', 'addon.node');
  /** Builds and tests a copy; the reason it cannot be used, or null. */
  const build = (hugePages) => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    for (const f of ['binding.gyp', 'package.json', 'src']) fs.cpSync(path.join(pkg, f), path.join(work, f), { recursive: true });
    if (hugePages && !linkHugePages(work)) return 'its build file is not the one expected';
    const built = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: work, encoding: 'utf8', env: { ...process.env, CXXFLAGS: `${process.env.CXXFLAGS ?? ''} ${FLAGS}`.trim() } });
    if (built.status !== 0 || !fs.existsSync(addon)) return `a build for this CPU failed: ${(built.stderr || built.stdout || '').trim().split('\n').pop()}`;
    const smoke = smokeTest(addon);
    if (smoke.status !== 0) return `the build for this CPU failed its test: ${(smoke.stderr || String(smoke.signal)).trim().split('\n').find((l) => /error|signal|SIG/i.test(l)) ?? smoke.signal}`;
    return null;
  };
  try {
    const t = Date.now();
    // Huge pages need GNU-style linking: where that build fails, the plain one is still worth having.
    let failed = build(HUGE_PAGES);
    const withoutHugePages = HUGE_PAGES && failed;
    if (withoutHugePages) failed = build(false);
    if (failed) {
      say(`kept the portable hnswlib-node (${failed}).`);
      return;
    }
    // Same folder, then rename: the installed addon is whole at every moment.
    fs.copyFileSync(addon, `${installed}.new`);
    fs.renameSync(`${installed}.new`, installed);
    fs.writeFileSync(marker, stamp);
    const memory = !HUGE_PAGES ? '' : withoutHugePages ? `; not in huge pages: ${withoutHugePages}` : ', graph in huge pages';
    say(`hnswlib-node rebuilt for this CPU (${FLAGS}${memory}) in ${((Date.now() - t) / 1000).toFixed(0)} s; VERBATIM_PORTABLE_BUILD=1 keeps the portable build.`);
  } catch (err) {
    say(`kept the portable hnswlib-node (${err.message}).`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Run as a script (postinstall starts it beside the model build): the project root is this file's parent's.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildNativeHnswlib(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
}
