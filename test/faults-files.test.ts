// Whatever an admin drops into corpus/: each bad file is skipped (or handled) with its name and reason,
// and the other articles still index.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/model.js';
import { readSource } from '../src/ingest/read.js';
import { updateIndex } from '../src/index/update.js';
import { search } from '../src/search/search.js';
import { SHARED } from '../src/store/types.js';
import { realEmbedder, SEED_CORPUS, testStore, tmp, writeFiles } from './helpers.js';

let embedder: Embedder;
beforeAll(async () => {
  embedder = await realEmbedder();
});

describe('bad files in the corpus', () => {
  it('skips each with its name and reason; indexes the rest', async () => {
    const corpus = tmp('verbatim-bad-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    const latin1 = Buffer.from('Café talks in Hanoi\n\nThe ministers met at a café in Hanoi on Friday to discuss naval training and the Mekong.\n', 'latin1');
    const oneLine = Array.from({ length: 12_000 }, (_, i) => `Delegates from province ${i} discussed irrigation and rice exports with the ministry`).join(', ') + '.';
    writeFiles(corpus, {
      'empty.txt': '',
      'spaces.txt': '   \n\n  ',
      'photo.txt': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      'nul.md': Buffer.from('text\u0000with\u0000nul', 'utf8'),
      'latin1.txt': latin1,
      'oneline.txt': oneLine,
      'menu.html': '<html><body><nav><a href="/">Home</a></nav></body></html>',
      'notes.docx': 'x',
    });
    fs.writeFileSync(path.join(corpus, 'huge.txt'), Buffer.alloc(50 * 1024 * 1024, 'a'));
    fs.symlinkSync(path.join(corpus, 'loop-b.txt'), path.join(corpus, 'loop-a.txt'));
    fs.symlinkSync(path.join(corpus, 'loop-a.txt'), path.join(corpus, 'loop-b.txt'));
    fs.mkdirSync(path.join(corpus, 'sub'));
    fs.symlinkSync(corpus, path.join(corpus, 'sub', 'back-to-top')); // a folder loop

    const store = await (await testStore()).open();
    const summary = await updateIndex({ store, corpusDir: corpus, maxFileBytes: 10 * 1024 * 1024, embedder });
    const reason = (file: string) => summary.skipped.find((s) => s.file === file)?.reason ?? '';
    expect(reason('empty.txt')).toMatch(/empty/);
    expect(reason('spaces.txt')).toMatch(/empty/);
    expect(reason('photo.txt')).toMatch(/binary file \(looks like a PNG image\)/);
    expect(reason('nul.md')).toMatch(/binary/);
    expect(reason('huge.txt')).toMatch(/too large \(50\.0 MB; the limit is MAX_FILE_MB=10\)/);
    expect(reason('menu.html')).toMatch(/no article/);
    expect(reason('notes.docx')).toMatch(/unsupported type/);
    expect(reason('loop-a.txt')).toMatch(/symbolic link loop/);
    expect(reason('sub/back-to-top')).toMatch(/linked folder|unsupported/);

    // Latin-1 is read, with a warning; the one-megabyte line is cut into passages and indexed.
    expect(summary.warnings).toContainEqual({ file: 'latin1.txt', message: expect.stringMatching(/Latin-1/) });
    const articles = await store.articles([SHARED]);
    expect(articles.map((a) => a.file).sort()).toEqual(['000_bf6e7665d97fa8bf.txt', '001_f7851b020e12dbef.txt', '002_ad9c671880811640.txt', '003_313595e064d81634.txt', '004_fd211ecc6b6afd34.txt', 'latin1.txt', 'oneline.txt']);
    expect(articles.find((a) => a.file === 'oneline.txt')!.passages).toBeGreaterThan(100);
    await store.refresh();
    const r = await search(store, embedder, [SHARED], 'Where did the ministers meet at a café?', 3);
    expect(r.answered).toBe(true);
    expect(r.selected[0].passage.text).toContain('café');
  });

  it('a file that disappears while being read is skipped with that reason; an edited one keeps its old version', async () => {
    const dir = tmp('verbatim-gone-');
    const r = await readSource(dir, 'gone.txt', 1e7);
    expect(r).toEqual({ ok: false, file: 'gone.txt', reason: 'the file disappeared while it was being read' });

    const corpus = tmp('verbatim-keep-');
    writeFiles(corpus, { 'a.txt': 'Ships visit\n\nThree ships visited Cam Ranh Bay on Monday for repairs and supplies.\n' });
    const store = await (await testStore()).open();
    await updateIndex({ store, corpusDir: corpus, maxFileBytes: 1e7, embedder });
    fs.writeFileSync(path.join(corpus, 'a.txt'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])); // overwritten by a JPEG
    const second = await updateIndex({ store, corpusDir: corpus, maxFileBytes: 1e7, embedder });
    expect(second.skipped[0]).toEqual({ file: 'a.txt', reason: 'binary file (looks like a JPEG image) (the previously indexed version is kept)' });
    expect(second.passages).toBe(1);
  });
});
