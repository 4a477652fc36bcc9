#!/usr/bin/env node
// The `verbatim` command. The sources are TypeScript with no build step to forget: they run as a bundle
// made (and remade whenever they change) by bin/bundle.mjs, or through tsx should bundling fail.
import { pathToFileURL } from 'node:url';
import { bundle } from './bundle.mjs';

let bundled = null;
try {
  bundled = await bundle('src/cli/main.ts');
} catch {
  bundled = null;
}
if (bundled) {
  await import(pathToFileURL(bundled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
