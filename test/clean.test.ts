// Cleaning on the five real scraped seed articles: page furniture goes, every sentence of the body stays,
// and the metadata is read off the page.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildArticle } from '../src/ingest/article.js';
import { readSource } from '../src/ingest/read.js';
import type { Article } from '../src/ingest/types.js';
import { letterKey } from '../src/text/normalize.js';
import { sentenceSpans } from '../src/text/sentences.js';
import { SEED_CORPUS } from './helpers.js';

async function article(file: string): Promise<{ a: Article; raw: string }> {
  const r = await readSource(SEED_CORPUS, file, 10 * 1024 * 1024);
  if (!r.ok) throw new Error(r.reason);
  return { a: buildArticle(r.source, 488), raw: r.source.text };
}

const allText = (a: Article) => a.passages.map((p) => p.text).join('\n');

/** Body lines of a seed file: the lines from `first` to `last` (inclusive), minus `skip`. */
function bodyLines(raw: string, first: string, last: string, skip: RegExp[] = []): string[] {
  const lines = raw.split('\n').map((l) => l.trim()).filter(Boolean);
  const from = lines.findIndex((l) => l.includes(first));
  const to = lines.findIndex((l) => l.includes(last));
  expect(from).toBeGreaterThanOrEqual(0);
  expect(to).toBeGreaterThanOrEqual(from);
  return lines.slice(from, to + 1).filter((l) => !skip.some((re) => re.test(l)));
}

/** Every sentence of every body line is quoted somewhere, exactly once. */
function expectAllSentences(a: Article, lines: string[], datelines: RegExp[] = []): void {
  const quoted = a.passages.map((p) => letterKey(p.text)).join('|');
  for (let line of lines) {
    for (const d of datelines) line = line.replace(d, '');
    line = line.replace(/\.?\/\.$/, '.');
    for (const s of sentenceSpans(line)) {
      const key = letterKey(line.slice(s.start, s.end));
      if (!key) continue;
      expect(quoted, `missing sentence: ${line.slice(s.start, s.end)}`).toContain(key);
      expect(quoted.split(key).length - 1, `sentence quoted twice: ${line.slice(s.start, s.end)}`).toBe(1);
    }
  }
}

function expectNone(a: Article, junk: string[]): void {
  const text = allText(a);
  for (const j of junk) expect(text, `should have been dropped: ${j}`).not.toContain(j);
}

function expectExactSlices(a: Article, raw: string): void {
  for (const p of a.passages) expect(p.text).toBe(raw.slice(p.start, p.end));
}

const files = fs.readdirSync(SEED_CORPUS).filter((f) => f.endsWith('.txt')).sort();

describe('cleaning the seed articles', () => {
  it('has the five seed files', () => {
    expect(files).toHaveLength(5);
  });

  it('000: an article with no headline keeps every paragraph and gets a fallback title from its first sentence', async () => {
    const { a, raw } = await article(files[0]);
    expect(a.titleIsFallback).toBe(true);
    expect(a.title.startsWith('Defence Minister General Phung Quang Thanh held talks')).toBe(true);
    expect(a.title.length).toBeLessThanOrEqual(81);
    expect(a.passages).toHaveLength(10);
    expectAllSentences(a, bodyLines(raw, 'Defence Minister General Phung', 'Earlier on June 3'));
    expect(allText(a)).not.toContain('./.'); // the wire service's end marker is not part of the quote
    expectExactSlices(a, raw);
  });

  it('001: drops the province menu, date line, photo caption and byline; reads outlet, date and byline', async () => {
    const { a, raw } = await article(files[1]);
    expect(a.title).toBe('Defense Minister holds talks with U.S. Secretary of Defense');
    expect(a.titleIsFallback).toBe(false);
    expect(a.source).toBe('VGP');
    expect(a.date).toBe('2019-11-20');
    expect(a.byline).toBe('Thuy Dung');
    expectNone(a, ['An Giang', 'Binh Duong', 'Yen Bai', 'Photo: VNA', 'By Thuy Dung', '4:10 PM', 'VGP –']);
    expectAllSentences(
      a,
      bodyLines(raw, 'VGP – U.S. Secretary', 'Both nations will coordinate', [/Photo: VNA$/, /^November 20, 2019 4:10/]),
      [/^VGP – /],
    );
    expectExactSlices(a, raw);
  });

  it('002: drops the subscribe line and the duplicated "Related" teasers of other stories', async () => {
    const { a, raw } = await article(files[2]);
    expect(a.title).toBe('Vietnam and US sign new joint vision statement on defense cooperation');
    expect(a.source).toBe('VOV');
    expectNone(a, ['Mời quý độc giả', 'Related', 'Minister hopes for continued', 'Patrick Leahy', 'US Institute of Peace', 'VOV.VN -']);
    expectAllSentences(a, bodyLines(raw, 'VOV.VN - Vietnam and the United States', 'Earlier on same day'), [/^VOV\.VN - /]);
    expect(a.passages).toHaveLength(16);
    expectExactSlices(a, raw);
  });

  it('003: drops the list of related headlines and the photo caption, keeps the lead paragraph', async () => {
    const { a, raw } = await article(files[3]);
    expect(a.title).toBe('Vietnam, US hold 10th political, security, defence dialogue');
    expectNone(a, ['Vietnam, China hold 4th', 'Vietnam, Australia hold first', 'Seventh Vietnam-RoK', '(Photo:']);
    expectAllSentences(
      a,
      bodyLines(raw, 'The political, security and defence dialogue serves', 'During his stay in the US', [/^- /, /\(Photo:/]),
    );
    expectExactSlices(a, raw);
  });

  it('004: drops captions, the repeated lead, the signature and the "See more" stories; quotes the lead once', async () => {
    const { a, raw } = await article(files[4]);
    expect(a.title).toBe('Vietnam, US hold 12th Political, Security, Defence Dialogue');
    expect(a.source).toBe('VNA');
    expectNone(a, ['ảnh 1', 'ảnh 2', '(Photo: VNA)', 'See more', 'Thongloun', 'Venezuela', 'Malaysia', 'Russia', 'Washington D.C (VNA)']);
    expect(allText(a).split('Dialogue was held in Washington D.C on March 30').length - 1).toBe(1);
    expectAllSentences(
      a,
      bodyLines(raw, 'At the event, the two sides expressed', 'These meetings contributed', [/ảnh \d/, /^VNA$/]),
    );
    expectExactSlices(a, raw);
  });

  it('never quotes the same paragraph twice in any seed file', async () => {
    for (const f of files) {
      const { a } = await article(f);
      const keys = a.passages.map((p) => letterKey(p.text));
      expect(new Set(keys).size, f).toBe(keys.length);
    }
  });
});

describe('cleaning other shapes of page', () => {
  const make = (text: string, format: 'txt' | 'md' = 'txt') =>
    buildArticle({ file: `x.${format}`, format, text, bodyStart: 0, meta: {}, warnings: [] }, 488);

  it('keeps a legitimate list that is part of the story, and drops a share bar', () => {
    const a = make(
      'Talks end with deal\n\nThe ministers agreed on three points, officials said on Tuesday in the capital.\n\n' +
        '- Both sides will expand maritime cooperation over the next five years.\n- They will clear unexploded ordnance in two provinces.\n' +
        '- They will exchange military medical teams twice a year.\n\nShare this article\n',
    );
    const text = allText(a);
    expect(text).toContain('expand maritime cooperation');
    expect(text).toContain('exchange military medical teams');
    expect(text).not.toContain('Share this article');
  });

  it('rejoins hard-wrapped lines into one paragraph', () => {
    const a = make('Title of a wrapped story\n\nThe defence ministers of the two countries met\nin Hanoi on Monday to discuss the\nremediation of dioxin at the airbase.\n\nA second paragraph follows here with more words.\n');
    expect(a.passages[0].text).toBe('The defence ministers of the two countries met\nin Hanoi on Monday to discuss the\nremediation of dioxin at the airbase.');
    expect(a.passages).toHaveLength(2);
  });
});
