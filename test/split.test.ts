// Passages are exact slices of their source file, cut to fit the model at sentence boundaries.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildArticle } from '../src/ingest/article.js';
import { readSource } from '../src/ingest/read.js';
import { estimateTokens } from '../src/ingest/split.js';
import { SEED_CORPUS, tmp, writeFiles } from './helpers.js';

describe('passages and offsets', () => {
  it('every passage of every seed file is exactly the slice of the file it cites', async () => {
    for (const f of fs.readdirSync(SEED_CORPUS).filter((n) => n.endsWith('.txt'))) {
      const raw = fs.readFileSync(`${SEED_CORPUS}/${f}`, 'utf8');
      const r = await readSource(SEED_CORPUS, f, 1e7);
      if (!r.ok) throw new Error(r.reason);
      const a = buildArticle(r.source, 488);
      expect(a.passages.length).toBeGreaterThan(0);
      for (const p of a.passages) {
        expect(raw.slice(p.start, p.end)).toBe(p.text);
        expect(p.text).toBe(p.text.trim());
      }
      // ¶ numbers run 1..n in reading order
      expect(a.passages.map((p) => p.paragraph)).toEqual(a.passages.map((_, i) => i + 1));
    }
  });

  it('splits a paragraph longer than the model reads at sentence boundaries, keeping every word', () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} says the U.S. delegation met Gen. Lich in Hanoi about cooperation.`);
    const text = `A long story\n\n${sentences.join(' ')}\n`;
    const a = buildArticle({ file: 'long.txt', format: 'txt', text, bodyStart: 0, meta: {}, warnings: [] }, 100);
    expect(a.passages.length).toBeGreaterThan(3);
    for (const p of a.passages) {
      expect(estimateTokens(p.text)).toBeLessThanOrEqual(100);
      expect(text.slice(p.start, p.end)).toBe(p.text);
      expect(p.text).toMatch(/^Sentence number \d+/); // starts at a sentence, not inside "U.S. delegation"
      expect(p.text).toMatch(/cooperation\.$/);
      expect(p.paragraph).toBe(1);
    }
    expect(a.passages.map((p) => p.part)).toEqual(a.passages.map((_, i) => i + 1));
    expect(a.passages.map((p) => p.text).join(' ')).toBe(sentences.join(' '));
  });

  it('cuts a single line with no sentence breaks between words, never losing a character', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
    const a = buildArticle({ file: 'x.txt', format: 'txt', text: words, bodyStart: 0, meta: {}, warnings: [] }, 200);
    expect(a.passages.length).toBeGreaterThan(10);
    expect(a.passages.map((p) => p.text).join(' ')).toBe(words);
  });

  it('offsets in a Markdown file with front matter point into the file itself; front matter is metadata', async () => {
    const dir = tmp();
    const md = '---\ntitle: Esper visits Hanoi\nsource: VNA\ndate: 2019-11-20\nurl: https://example.org/a\n---\n\n# Esper visits Hanoi\n\nU.S. Secretary of Defense Mark Esper arrived in Hanoi on Tuesday for talks with his counterpart.\n';
    writeFiles(dir, { 'a.md': md });
    const r = await readSource(dir, 'a.md', 1e7);
    if (!r.ok) throw new Error(r.reason);
    const a = buildArticle(r.source, 488);
    expect(a).toMatchObject({ title: 'Esper visits Hanoi', source: 'VNA', date: '2019-11-20', url: 'https://example.org/a' });
    expect(a.passages).toHaveLength(1);
    expect(md.slice(a.passages[0].start, a.passages[0].end)).toBe(a.passages[0].text);
    expect(a.passages[0].text.startsWith('U.S. Secretary')).toBe(true);
  });

  it('extracts the article from an HTML page with Readability, leaving the page around it', async () => {
    const dir = tmp();
    const body = Array.from({ length: 6 }, (_, i) => `<p>Paragraph ${i + 1}: the two defence ministers discussed maritime security, dioxin remediation at Bien Hoa and training programmes in detail during their meeting.</p>`).join('\n');
    const html = `<!doctype html><html><head><title>Ministers meet - Example News</title><meta property="og:site_name" content="Example News"></head><body>
      <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
      <article><h1>Ministers meet in Hanoi</h1>${body}</article>
      <footer>Copyright Example News. Follow us on social media.</footer></body></html>`;
    writeFiles(dir, { 'page.html': html });
    const r = await readSource(dir, 'page.html', 1e7);
    if (!r.ok) throw new Error(r.reason);
    const a = buildArticle(r.source, 488);
    const text = a.passages.map((p) => p.text).join('\n');
    expect(text).toContain('Paragraph 1: the two defence ministers');
    expect(text).toContain('Paragraph 6:');
    expect(text).not.toContain('Sport');
    expect(text).not.toContain('Copyright');
    expect(a.source).toBe('Example News');
    for (const p of a.passages) expect(r.source.text.slice(p.start, p.end)).toBe(p.text);
  });
});
