// Bundles a TypeScript entry point and the sources it imports into one ES module with esbuild (a tenth of
// a second), again only when a file under src/ (or the entry) is newer than the last bundle. Loading the
// sources through tsx on every start cost about a second of a bot's start-up. Used by bin/verbatim.mjs
// and by the benchmark, which must start processes the way the product does.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cache = path.join(root, 'node_modules', '.cache', 'verbatim');

// transformers.js's tokenizers, which the encoder uses, import the browser's onnxruntime beside Node's and
// choose Node's at run time: bundled with the browser's left out, they load in 30 ms instead of 120.
const require = createRequire(import.meta.url);
// Not write-file-atomic: it reads its own __filename, which a CommonJS module has and an ES module bundle
// does not (saving the vector index cache failed with "__filename is not defined").
const INLINE = new Set(['commander', 'zod', 'dotenv', 'cli-progress', 'proper-lockfile', 'ipaddr.js', 'robots-parser', 'stemmer', 'stopword', '@huggingface/jinja']);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
// An inlined package's own imports are bundled too: resolved at run time from the bundle's folder instead,
// they could find another version than the one the package was installed with.
const insideInlined = (importer) => {
  const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(importer ?? '');
  return !!m && INLINE.has(m[1].replace('\\', '/'));
};
const nodeOnly = {
  name: 'node-only',
  setup(build) {
    build.onResolve({ filter: /^@xenova\/transformers\/src\/tokenizers\.js$/ }, (args) => ({ path: require.resolve(args.path) }));
    build.onResolve({ filter: /^onnxruntime-web$/ }, () => ({ path: 'onnxruntime-web', namespace: 'node-only' }));
    build.onLoad({ filter: /.*/, namespace: 'node-only' }, () => ({ contents: 'export default {};', loader: 'js' }));
    // The small pure-JavaScript packages every command loads go into the bundle with what they import:
    // Node's module loader resolved, read and (for CommonJS) pre-parsed each of them at every start, 40 ms
    // of a command's 0.15 s. Every other package stays outside the bundle (esbuild's `packages:
    // 'external'`, which would also take the two above): native addons, and the large ones loaded on use.
    build.onResolve({ filter: /^[^./]/ }, (args) => (INLINE.has(packageOf(args.path)) || insideInlined(args.importer) ? undefined : { external: true }));
  },
};

function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  // A folder's own time changes when a file in it is deleted or renamed.
  return fs.readdirSync(p).reduce((m, name) => Math.max(m, newest(path.join(p, name))), st.mtimeMs);
}

/** The path of the bundle of `entry` (relative to the repository), built first if the sources changed. */
export async function bundle(entry) {
  const name = path.basename(entry, path.extname(entry));
  // One folder per state of the sources, never rewritten: a process still running an older bundle keeps
  // loading its chunks, and processes started together never see half a bundle.
  const stamp = Math.floor(Math.max(newest(path.join(root, 'src')), newest(path.join(root, entry)), newest(fileURLToPath(import.meta.url))));
  const dir = path.join(cache, `${name}-${stamp}`);
  const out = path.join(dir, `${name}.mjs`);
  if (fs.existsSync(out)) return out;
  const { build } = await import('esbuild');
  const tmp = `${dir}.${process.pid}.tmp`;
  await build({
    entryPoints: { [name]: path.join(root, entry) },
    bundle: true,
    // Dynamic imports stay separate chunks: the bot, PostgreSQL and the page parser load only when used.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
    plugins: [nodeOnly],
    // The CommonJS packages inlined above call require() for Node's built-in modules.
    banner: { js: "import { createRequire as __verbatimRequire } from 'node:module'; const require = __verbatimRequire(import.meta.url);" },
  });
  try {
    fs.renameSync(tmp, dir);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another process put the same bundle there first
  }
  // Bundles of older sources, once nobody can still be starting from them.
  for (const old of fs.readdirSync(cache)) {
    const p = path.join(cache, old);
    if (p !== dir && Date.now() - fs.statSync(p).mtimeMs > 3600_000) fs.rmSync(p, { recursive: true, force: true });
  }
  return out;
}
