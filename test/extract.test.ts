// Saved web pages: what is indexed from them. Each kind of page furniture Readability can leave in is gone,
// the article's own lists and tables stay with the sentence that introduces them, and the page's metadata
// gives title, outlet, byline, date and canonical address. `verbatim extract` shows it without indexing.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractFile, type Extracted } from '../src/ingest/extract.js';
import { ROOT, SHARED_EVAL, tmp, writeFiles } from './helpers.js';

let paragraphs = 0;
const body = (n: number) =>
  Array.from({ length: n }, () => `<p>Paragraph ${++paragraphs} of the report says the harbour authority of Da Nang approved ${(paragraphs % 7) + 3} new berths for container ships, after a review that lasted most of the year and drew comments from shipping firms.</p>`).join('\n');

function page(inner: string, head = ''): string {
  return `<!DOCTYPE html><html><head><title>Port expands | The Harbour Times</title>${head}</head><body>
<nav><a href="/">Home</a><a href="/news">News</a></nav>
<article><h1>Port expands</h1>${inner}</article>
<footer>© The Harbour Times</footer></body></html>`;
}

function extract(html: string): Extracted {
  const r = extractFile('page.html', Buffer.from(html));
  if ('error' in r) throw new Error(r.error);
  return r;
}

describe('furniture Readability leaves in an article is not indexed', () => {
  const cases: [string, string, RegExp][] = [
    ['a gallery caption', '<p>Gallery: The new berths at Tien Sa | 14 Photos</p>', /Gallery/],
    ['a figure and its caption', '<figure><img src="a.jpg"><figcaption>Cranes at the port. Photograph: Nguyen Van A</figcaption></figure>', /Cranes at the port/],
    ['a store price box', '<div><p>from $610.00</p></div>', /\$610/],
    ['a payment line', '<p>We accept credit card, Apple Pay and PayPal.</p>', /We accept/],
    ['a wire credit', '<p>(Reuters)</p>', /Reuters/],
    ['a photo credit', '<p>Photograph: Getty Images</p>', /Photograph/],
    ['a share bar', '<div class="article-share-bar"><a href="#">Share on Facebook</a> <a href="#">Tweet</a> <a href="#">Email</a></div>', /Share on Facebook/],
    ['a "Continue reading" link', '<p><a href="/more">Continue reading</a></p>', /Continue reading/],
    ['a "Related:" promo', '<p>Related: <a href="/x">Port strike ends after two weeks</a></p>', /Port strike ends/],
    ['a "[Read: …]" promo', '<p>[Read: <a href="/y">Why ports are getting bigger</a>]</p>', /Why ports are getting bigger/],
    ['a newsletter box', '<div class="newsletter-signup"><p>Get the best of the Harbour Times in your inbox every morning.</p></div>', /in your inbox/],
    ['an aside', '<aside><p>Most read: Ferry fares rise again</p></aside>', /Ferry fares/],
    ['a list of links to other stories', '<ul><li><a href="/1">Ferry fares rise again in the south</a></li><li><a href="/2">New bridge opens in Hue on Friday</a></li><li><a href="/3">Rail line to reach Da Lat by 2030</a></li></ul>', /Ferry fares|New bridge|Rail line/],
  ];
  it.each(cases)('%s', (_name, furniture, leak) => {
    const r = extract(page(`${body(3)}\n${furniture}\n${body(2)}`));
    expect(r.text).not.toMatch(leak);
    expect(r.text.match(/Paragraph \d+ of the report/g)).toHaveLength(5);
  });
});

describe('what stays', () => {
  it('keeps a list and a short table with the sentence that introduces them, in one passage', () => {
    const r = extract(
      page(`${body(2)}<p>The rankings of the busiest ports were as follows:</p><ol><li>Hai Phong, 5.6 million containers</li><li>Cai Mep, 4.2 million containers</li><li>Da Nang, 0.6 million containers</li></ol>
      <p>The fees for each berth were set out in a table:</p><table><tr><th>Berth</th><th>Fee</th></tr><tr><td>A1</td><td>1,200</td></tr><tr><td>B2</td><td>900</td></tr></table>${body(2)}`),
    );
    const list = r.passages.find((p) => p.text.includes('as follows:'))!;
    expect(list.text).toMatch(/as follows:\n• Hai Phong, 5\.6 million containers\n• Cai Mep[^\n]*\n• Da Nang/);
    const table = r.passages.find((p) => p.text.includes('set out in a table:'))!;
    expect(table.text).toMatch(/set out in a table:\nBerth \| Fee\nA1 \| 1,200\nB2 \| 900/);
  });

  it("keeps a single linked heading of the article's own (a product it reviews)", () => {
    const r = extract(page(`${body(2)}<h3><a href="https://store.example/rigs">“RIGS: Mechanized Combat League” ($50)</a></h3>${body(2)}`));
    expect(r.text).toContain('“RIGS: Mechanized Combat League” ($50)');
  });
});

describe("a page's metadata", () => {
  it('takes outlet, byline, date and canonical address from the page, not from a dateline', () => {
    const head = `<link rel="canonical" href="https://harbourtimes.example/2024/03/port-expands">
      <meta property="og:site_name" content="The Harbour Times"><meta property="og:title" content="Port expands">
      <meta name="author" content="Le Thi Hoa"><meta property="article:published_time" content="2024-03-05T08:00:00Z">`;
    const r = extract(page(`<p>LONDON (Reuters) — ${body(1).slice(3)}${body(3)}`, head));
    expect(r).toMatchObject({ title: 'Port expands', outlet: 'The Harbour Times', byline: 'Le Thi Hoa', date: '2024-03-05', url: 'https://harbourtimes.example/2024/03/port-expands' });
  });

  it('falls back to JSON-LD publisher and then to the host of the address', () => {
    const ld = `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Port expands","datePublished":"2024-03-06","author":{"@type":"Person","name":"Tran Van Minh"},"publisher":{"@type":"Organization","name":"Harbour Media"}}</script><meta property="og:url" content="https://www.harbour.example/a">`;
    expect(extract(page(body(4), ld))).toMatchObject({ outlet: 'Harbour Media', byline: 'Tran Van Minh', date: '2024-03-06', url: 'https://www.harbour.example/a' });
    expect(extract(page(body(4), '<meta property="og:url" content="https://www.harbour.example/b">')).outlet).toBe('harbour.example');
  });

  it('drops byline and date lines from the text, keeping them as metadata', () => {
    const r = extract(page(`<p>By Justine Coleman - 11/18/19 11:04 PM EST</p><p>Updated Nov 19, 9:41 AM; Posted Nov 18, 8:19 PM</p>${body(3)}`));
    expect(r.text).not.toMatch(/Justine Coleman|Updated Nov/);
    expect(r.byline).toBe('Justine Coleman');
  });
});

describe('verbatim extract', () => {
  it('prints, per file, what would be indexed; --json gives {file, title, outlet, byline, date, url, text, passages}', () => {
    const dir = tmp('verbatim-extract-');
    writeFiles(dir, { 'a.html': page(body(3), '<meta property="og:site_name" content="The Harbour Times">'), 'b.txt': 'Ships visit\n\nThree ships visited Cam Ranh Bay on Monday for repairs and supplies.\n' });
    const run = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/verbatim.mjs'), 'extract', ...args], { encoding: 'utf8' });
    const json = run(['--json', path.join(dir, 'a.html'), path.join(dir, 'b.txt'), path.join(dir, 'missing.html')]);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(Object.keys(lines[0]).sort()).toEqual(['byline', 'date', 'file', 'outlet', 'passages', 'text', 'title', 'url']);
    expect(lines[0]).toMatchObject({ title: 'Port expands', outlet: 'The Harbour Times' }); // not 'Port expands | The Harbour Times'
    expect(lines[0].text.split('\n\n')).toHaveLength(3);
    expect(lines[1].passages[0].text).toContain('Cam Ranh Bay');
    expect(lines[2]).toMatchObject({ error: 'no such file' });
    expect(json.status).toBe(1);
    const human = run([path.join(dir, 'a.html')]);
    expect(human.stdout).toMatch(/^title: Port expands$/m);
    expect(human.stdout).toMatch(/^outlet: The Harbour Times$/m);
  });

  it('reads the real pages of the evaluation set at a useful speed', () => {
    const pages = path.join(SHARED_EVAL, 'news/pages');
    const files = ['nytimes-3.html', 'yahoo-1.html', 'lwn-1.html'].map((f) => path.join(pages, f));
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/verbatim.mjs'), 'extract', '--json', ...files], { encoding: 'utf8' });
    const out = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.passages.length > 5)).toEqual([true, true, true]);
    expect(out[0].url).toBe('https://www.nytimes.com/2019/02/21/nyregion/winter-weather-manholes-pipes.html');
    expect(out[0].text).toContain('90,000 miles of underground cable');
  });
});
