// Articles that arrive by themselves, through the `verbatim` command as a user runs it, against a news site
// on 127.0.0.1 (FETCH_ALLOW_HOSTS lets the suite fetch from loopback; the guard's refusals are tested with
// it off): pages added by address and updated in place, a feed of 50 entries followed, polled again with
// nothing new, a changed entry re-indexed, two servers following one feed, and every kind of bad input
// refused with one clear line and nothing half-indexed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newsSite, type NewsSite } from './news-site.js';
import { ROOT, SEED_CORPUS, TEST_STORE, testStore, tmp, type TestStore } from './helpers.js';

const SERVER_A = '123456789012345678';
const SERVER_B = '223456789012345678';

let site: NewsSite;
let store: TestStore;
let corpus: string;
beforeAll(async () => {
  site = await newsSite(50);
  store = await testStore();
  corpus = tmp('verbatim-web-corpus-');
  fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
});
afterAll(async () => {
  await site?.close();
});

/** The command, run without blocking this process (the news site answers from it). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/verbatim.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CORPUS_DIR: corpus, ...store.env, LOG_LEVEL: 'silent', FETCH_ALLOW_HOSTS: '127.0.0.1', FETCH_HOST_INTERVAL_MS: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const json = async (args: string[]) => JSON.parse((await cli([...args, '--json'])).stdout.trim().split('\n').pop()!);
const pages = (s: NewsSite) => s.requests.filter((r) => r.startsWith('/news/')).length;

describe('adding a page by its address', () => {
  it('indexes it with its outlet and canonical address; the same article again, or under another address, is updated in place', async () => {
    const first = await cli(['add', '--library', SERVER_A, `${site.url}/news/story-1`]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/added — “Port Quillet plans ferry terminal number 1” \(The Quillet Gazette\), \d+ passages/);
    const copy = await cli(['add', '--library', SERVER_A, `${site.url}/copy-of-story-1?utm_source=chat`]);
    expect(copy.stdout).toMatch(/already indexed, unchanged .* as http:\/\/127\.0\.0\.1:\d+\/news\/story-1/);
    const sources = await json(['sources', '--library', `guild:${SERVER_A}`]);
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({ title: 'Port Quillet plans ferry terminal number 1', source: 'The Quillet Gazette', url: `${site.url}/news/story-1` });
    const a = await json(['ask', '--library', `guild:${SERVER_A}`, 'How much will ferry terminal number 1 cost?']);
    expect(a.answered).toBe(true);
    expect(a.passages[0].url).toBe(`${site.url}/news/story-1`);
    expect(a.passages[0].text).toContain('1000 korvens');
    // The page changes: the one article is re-indexed in place.
    site.stories[0].paragraphs[0] = 'The harbour authority of Port Quillet now says ferry terminal number 1 will cost 1999 korvens, after the design changed.';
    const changed = await cli(['add', '--library', SERVER_A, `${site.url}/news/story-1`]);
    expect(changed.stdout).toMatch(/updated — “Port Quillet plans ferry terminal number 1”/);
    expect(await json(['sources', '--library', `guild:${SERVER_A}`])).toHaveLength(1);
    const b = await json(['ask', '--library', `guild:${SERVER_A}`, 'How much will ferry terminal number 1 cost now that the design changed?']);
    expect(b.passages[0].text).toContain('1999 korvens');
  });

  it('a page without a canonical link keeps the address it was fetched from; a redirect is followed', async () => {
    const r = await cli(['add', '--library', SERVER_A, `${site.url}/no-canonical`, `${site.url}/moved`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`/no-canonical: added .* as ${site.url}/no-canonical|/no-canonical: added`));
    expect(r.stdout).toMatch(/\/moved: added — “Port Quillet plans ferry terminal number 2”.* as http:\/\/127\.0\.0\.1:\d+\/news\/story-2/);
    const sources = await json(['sources', '--library', `guild:${SERVER_A}`]);
    expect(sources.find((s: { url: string }) => s.url === `${site.url}/no-canonical`)).toBeTruthy();
  });

  it('refuses bad input with one clear line each, and indexes nothing of it', async () => {
    const before = (await json(['sources', '--library', `guild:${SERVER_A}`])).length;
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [['not a url'], /is not a web address/],
      [['ftp://example.com/news.html'], /only http and https addresses can be fetched, not ftp:/],
      [[`${site.url}/news/story-3`], /127\.0\.0\.1 is a loopback address.* not fetched/, { FETCH_ALLOW_HOSTS: '' }],
      [[`http://localhost:${new URL(site.url).port}/news/story-3`], /localhost resolves to .*loopback address.* not fetched/, { FETCH_ALLOW_HOSTS: '' }],
      [[`${site.url}/to-loopback`], /127\.0\.0\.1 is a loopback address/, { FETCH_ALLOW_HOSTS: '' }],
      [[`${site.url}/nowhere`], /answered HTTP 404 \(not found\)/],
      [[`${site.url}/slow`], /did not answer within 1 s/, { FETCH_TIMEOUT_S: '1' }],
      [[`${site.url}/huge.html`], /is 50 MB, more than the 5 MB limit/],
      [[`${site.url}/bomb.html`], /more than the 5 MB limit once decompressed/],
      [[`${site.url}/image.png`], /is image\/png, not a web page/],
      [[`${site.url}/binary.html`], /binary file/],
      [[`${site.url}/empty-page`], /no article text/],
    ];
    for (const [args, why, env] of cases) {
      const r = await cli(['add', '--library', SERVER_A, ...args], env);
      expect(r.code, args[0]).toBe(1);
      expect(r.stdout.trim().split('\n'), args[0]).toHaveLength(1);
      expect(r.stdout, args[0]).toMatch(why);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(await json(['sources', '--library', `guild:${SERVER_A}`])).toHaveLength(before);
  }, 120_000);
});

describe('following a feed', () => {
  it('a feed of 50 entries becomes 50 searchable articles; polled again with nothing new it fetches no page and embeds nothing', async () => {
    const before = pages(site);
    const r = await cli(['feeds', 'add', '--library', SERVER_B, `${site.url}/`]); // the site's address: its feed is found
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Following “The Quillet Gazette” ${site.url}/feed\\.xml in guild:${SERVER_B}: 50 articles added or updated`));
    expect(pages(site) - before).toBe(50);
    const sources = await json(['sources', '--library', `guild:${SERVER_B}`]);
    expect(sources).toHaveLength(50);
    const a = await json(['ask', '--library', `guild:${SERVER_B}`, 'How much will ferry terminal number 37 cost?']);
    expect(a.answered).toBe(true);
    expect(a.passages[0].url).toBe(`${site.url}/news/story-37`); // the quote cites the original address

    const fetched = pages(site);
    const again = await cli(['feeds', 'poll', '--all', '--library', `guild:${SERVER_B}`]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/feed\.xml \[guild:\d+\]: nothing new/);
    expect(pages(site)).toBe(fetched);
  });

  it('an entry whose page changed is re-indexed in place, only its new passages embedded; a removed feed leaves its articles', async () => {
    const s = site.stories[4];
    s.paragraphs[2] = 'The harbour authority now expects ferry terminal number 5 to welcome its first ship in March, two months late, because of the storms.';
    s.updated = '2026-12-02T09:00:00Z';
    const before = pages(site);
    const r = await cli(['feeds', 'poll', '--all', '--library', `guild:${SERVER_B}`]);
    expect(r.stdout).toMatch(/1 article added or updated \(1 passages embedded\)/);
    expect(pages(site) - before).toBe(1);
    expect(await json(['sources', '--library', `guild:${SERVER_B}`])).toHaveLength(50);
    const a = await json(['ask', '--library', `guild:${SERVER_B}`, 'When will ferry terminal number 5 welcome its first ship?']);
    expect(a.passages[0].text).toContain('two months late');

    const list = await json(['feeds', 'list', '--library', `guild:${SERVER_B}`]);
    expect(list).toHaveLength(1);
    const removed = await cli(['feeds', 'remove', '--library', SERVER_B, list[0].url]);
    expect(removed.stdout).toMatch(/No longer following .*feed\.xml; its articles stay/);
    expect(await json(['feeds', 'list', '--library', `guild:${SERVER_B}`])).toHaveLength(0);
    expect(await json(['sources', '--library', `guild:${SERVER_B}`])).toHaveLength(50);
  });

  it('two servers following one feed each get their own copy, sharing vectors but never articles', async () => {
    const SERVER_C = '323456789012345678';
    const r = await cli(['feeds', 'add', '--library', SERVER_C, `${site.url}/feed.xml`]);
    // Server B's copy was embedded already: the same text reuses its vectors.
    expect(r.stdout).toMatch(/50 articles added or updated \(0 passages embedded\)/);
    expect(await json(['sources', '--library', `guild:${SERVER_C}`])).toHaveLength(50);
    const inC = await json(['ask', '--library', `guild:${SERVER_C}`, 'How much will ferry terminal number 12 cost?']);
    expect(inC.passages.length).toBeGreaterThan(0);
    expect(inC.passages.every((p: { library: string }) => p.library === `guild:${SERVER_C}`)).toBe(true);
  });

  it('Atom and JSON feeds are read too; a feed that is not one, or lists 10,000 entries, is refused or capped with a note', async () => {
    const atom = await cli(['feeds', 'add', '--library', '423456789012345678', `${site.url}/atom.xml`]);
    expect(atom.stdout).toMatch(/Following “The Quillet Gazette \(Atom\)”.*: 5 articles added or updated/);
    const jf = await cli(['feeds', 'add', '--library', '523456789012345678', `${site.url}/feed.json`]);
    expect(jf.stdout).toMatch(/Following “The Quillet Gazette \(JSON\)”.*: 5 articles added or updated/);
    const bad = await cli(['feeds', 'add', '--library', '623456789012345678', `${site.url}/not-a-feed.xml`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not a feed \(RSS, Atom or JSON Feed\), and no feed is linked from it/);
    const huge = await cli(['feeds', 'add', '--library', '723456789012345678', `${site.url}/huge-feed.xml`], { FEED_MAX_ENTRIES: '20' });
    expect(huge.stdout).toMatch(/The feed lists 10000 entries; only the newest 20 are read/);
    expect(huge.stdout).toMatch(/20 skipped \(.*404/);
  }, 120_000);

  it.skipIf(TEST_STORE !== 'sqlite')('a server may follow so many feeds and add so many articles a day', async () => {
    const r = await cli(['feeds', 'add', '--library', '823456789012345678', `${site.url}/feed.xml`], { GUILD_MAX_FEED_ARTICLES_PER_DAY: '10' });
    expect(r.stdout).toMatch(/10 articles added or updated .*may add 10 articles a day .* 40 will be read tomorrow/);
    const none = await cli(['feeds', 'add', '--library', '823456789012345678', `${site.url}/atom.xml`], { GUILD_MAX_FEEDS: '1' });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/follows 1 feeds, the limit \(GUILD_MAX_FEEDS\)/);
  });
});
