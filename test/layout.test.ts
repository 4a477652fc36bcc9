// Reply layout against Discord's limits: content 2,000; embed description 4,096; 6,000 per message;
// 10 embeds. Lower-ranked passages go first, then a long passage is shortened around its marked sentence.
import { describe, expect, it } from 'vitest';
import type { Answer, QuotedPassage } from '../src/answer/compose.js';
import { citationLine, fullTextMessages, layoutAnswer, LIMITS, notFoundContent, safe, shortenQuote, timelinePage } from '../src/bot/layout.js';
import { sentenceSpans } from '../src/text/sentences.js';

function passage(rank: number, text: string, highlight: { start: number; end: number }[] = []): QuotedPassage {
  return {
    rank, text, highlight, docId: 'a.txt', file: 'a.txt', title: 'A title', source: 'VNA', date: '2024-01-02', url: null, library: 'shared',
    paragraph: rank, part: 0, start: 0, end: text.length, score: 1, citation: `A title — VNA, January 2, 2024, ¶${rank} (a.txt)`,
  };
}

const sentences = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} sentence ${i + 1} talks about the defence dialogue in Hanoi.`).join(' ');

function embedTotal(e: { title?: string; description?: string; footer?: { text: string } }): number {
  return (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
}

describe('safe()', () => {
  it('escapes markdown and defuses mentions without changing the words', () => {
    const s = safe('**bold** _it_ `code` [link](http://x) @everyone @here <@123456789012345678> <@&123456789012345678>');
    expect(s).not.toMatch(/(^|[^\\])\*\*bold/);
    expect(s).not.toMatch(/(^|[^\\])\[link\]\(/); // the masked link cannot form
    expect(s).not.toMatch(/@everyone|@here/);
    expect(s).not.toMatch(/<@\d/);
    expect(s.replace(/[\\\u200b]/g, '')).toBe('**bold** _it_ `code` [link](http://x) @everyone @here <@123456789012345678> <@&123456789012345678>');
  });
});

describe('layoutAnswer', () => {
  it('keeps every passage when they fit, marked sentence in bold, with citations', () => {
    const text = 'The talks were held in Hanoi. They agreed on dioxin remediation at Bien Hoa.';
    const a: Answer = { question: 'What about dioxin?', answered: true, passages: [passage(1, text, [{ start: 30, end: text.length }])], closest: [] };
    const { embeds, shown } = layoutAnswer(a);
    expect(shown).toHaveLength(1);
    expect(embeds[0].description).toBe('**[1]** “The talks were held in Hanoi. **They agreed on dioxin remediation at Bien Hoa.**”\n*A title — VNA, January 2, 2024, ¶1 (a.txt)*');
  });

  it('drops lower-ranked passages first to stay under 4,096 and 6,000', () => {
    const ps = [passage(1, sentences(25, 'First')), passage(2, sentences(25, 'Second')), passage(3, sentences(25, 'Third'))];
    const a: Answer = { question: 'q'.repeat(300), answered: true, passages: ps, closest: [] };
    const { embeds, shown, shortened } = layoutAnswer(a);
    expect(shown.map((p) => p.rank)).toEqual([1, 2]);
    expect(shortened).toBe(false);
    expect(embeds[0].description!.length).toBeLessThanOrEqual(LIMITS.description);
    expect(embedTotal(embeds[0])).toBeLessThanOrEqual(LIMITS.total);
    expect(embeds[0].title!.length).toBeLessThanOrEqual(LIMITS.title);
  });

  it('shortens a single long passage around its marked sentence, cutting only between sentences', () => {
    const text = sentences(150, 'Long');
    const spans = sentenceSpans(text);
    const mark = spans[80];
    const a: Answer = { question: 'Where?', answered: true, passages: [passage(1, text, [mark])], closest: [] };
    const { embeds, shortened } = layoutAnswer(a);
    const d = embeds[0].description!;
    expect(shortened).toBe(true);
    expect(d.length).toBeLessThanOrEqual(LIMITS.description);
    expect(d).toContain(`**${text.slice(mark.start, mark.end)}**`);
    const quote = /“… (.*) …”/.exec(d)![1].replace(/\*\*/g, '');
    expect(text).toContain(quote); // a contiguous run of the original
    expect(spans.some((s) => text.slice(s.start).startsWith(quote.slice(0, 40)))).toBe(true); // starts at a sentence
    expect(quote.endsWith('Hanoi.')).toBe(true); // ends at one
  });

  it('cuts a single over-long sentence between words and shows the cut', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' ');
    const p = passage(1, words, [{ start: 0, end: words.length }]);
    const out = shortenQuote(p, 1000);
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out.endsWith('…')).toBe(true);
    expect(words.startsWith(out.replace(/\*\*/g, '').replace(/ …$/, ''))).toBe(true);
  });

  it('says "not in the articles" within the content limit, with escaped titles', () => {
    const c = notFoundContent({ question: 'x', answered: false, message: "I couldn't find that in the articles.", passages: [], closest: [{ title: '*Big* news @everyone', file: 'a.txt', library: 'shared' }] });
    expect(c).toMatch(/^I couldn't find that in the articles\./);
    expect(c).toContain('\\*Big\\*');
    expect(c).not.toMatch(/@everyone/);
    expect(c.length).toBeLessThanOrEqual(LIMITS.content);
  });
});

describe('fullTextMessages', () => {
  it('splits very long passages into embeds and messages that fit, losing nothing', () => {
    const ps = [passage(1, sentences(400, 'Huge')), passage(2, 'Short one.')];
    const messages = fullTextMessages(ps);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.length).toBeLessThanOrEqual(LIMITS.embeds);
      expect(m.reduce((n, e) => n + embedTotal(e), 0)).toBeLessThanOrEqual(LIMITS.total);
      for (const e of m) expect(e.description!.length).toBeLessThanOrEqual(LIMITS.description);
    }
    const all = messages.flat().map((e) => e.description).join(' ');
    expect(all.replace(/\\/g, '')).toContain(ps[0].text);
    expect(all).toContain('Short one.');
  });
});

describe('citations', () => {
  const base = passage(1, 'The ship docked.');
  it("link the title to the article's page without a preview, and say when it is this server's", () => {
    const line = citationLine({ ...base, url: 'https://example.com/news/ship (1).html', library: 'guild:200000000000000002' });
    expect(line).toBe('*[A title](<https://example.com/news/ship%20%281%29.html>) — VNA, January 2, 2024, ¶1 (a.txt) · this server*');
  });
  it('never link anything but http(s), and keep titles from breaking the link', () => {
    expect(citationLine({ ...base, url: 'javascript:alert(1)' })).toBe('*A title — VNA, January 2, 2024, ¶1 (a.txt)*');
    expect(citationLine({ ...base, title: 'A [bracketed] title', url: 'https://e.com/a' })).toMatch(/^\*\[A \\\[bracketed\\\] title\]\(<https:\/\/e\.com\/a>\)/);
  });
});

describe('timelinePage', () => {
  it('pages a long timeline five articles at a time, each with its date, quote and citation, oldest first', () => {
    const entries = Array.from({ length: 12 }, (_, i) => ({ ...passage(i + 1, `Fare set at ${i + 1} dong.`, []), date: `${2010 + i}-05-01`, file: `f${i}.txt` }));
    const first = timelinePage('the ferry fare', entries, 0);
    expect(first.pages).toBe(3);
    expect(first.embed.title).toBe('Timeline: the ferry fare');
    expect(first.embed.description!.match(/\*\*May 1, \d{4}\*\*/g)).toEqual(['**May 1, 2010**', '**May 1, 2011**', '**May 1, 2012**', '**May 1, 2013**', '**May 1, 2014**']);
    expect(first.embed.footer!.text).toBe('12 articles, oldest first · page 1 of 3');
    const last = timelinePage('the ferry fare', entries, 9);
    expect(last.page).toBe(2);
    expect(last.embed.description).toContain('**May 1, 2021**');
    expect(last.embed.description).toContain('(f11.txt)');
  });
});
