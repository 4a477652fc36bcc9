// A news site on 127.0.0.1 for the tests of adding pages and following feeds: article pages (with the
// navigation and related links real pages have), an RSS, an Atom and a JSON feed over them, a home page
// that links its feed, robots.txt, and the pages that misbehave (missing, slow, huge, compressed into a
// bomb, binary, not a feed, a feed of 10,000 entries, a page without an article). It answers conditional
// requests, logs every request, and its articles can be changed while it runs. Also usable by the bench.
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface Story {
  slug: string;
  title: string;
  paragraphs: string[];
  /** The date the feed gives (changing it tells a follower the story changed). */
  updated: string;
}

export interface NewsSite {
  url: string;
  host: string;
  stories: Story[];
  /** Paths requested, in order (with the query string). */
  requests: string[];
  /** Request counts by path. */
  count(path: string): number;
  setRobots(text: string): void;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Story `i`: each paragraph says one thing (its cost, its start, its berths…), as a news story does. */
export function story(i: number, topic = 'ferry terminal', paragraphs = 8): Story {
  const year = 2027 + (i % 3);
  const facts = [
    `The harbour authority of Port Quillet said on Monday that ${topic} number ${i} will cost ${i * 1000} korvens, paid for by a levy on cargo.`,
    `Work on ${topic} number ${i} is to begin in ${['March', 'June', 'September'][i % 3]} ${year}, once the dredging of the northern channel is finished.`,
    `The ${topic} will have ${(i % 7) + 3} berths, enough for the cargo ships that arrive from the northern coast in winter.`,
    `Fishermen who moor in basin ${i} said they feared the works would close it for a season; the authority promised them a temporary quay.`,
    `The mayor of Port Quillet, Edda Morrow, called plan ${i} the largest investment in the harbour since the lighthouse was rebuilt.`,
    `Traffic on the coast road is expected to double for ${(i % 9) + 2} months while the stone for the piers is brought in by lorry from the quarries at Halder.`,
    `A public meeting on plan ${i} will be held at the town hall, where residents can see the drawings and ask the engineers questions.`,
    `The harbour handled ${(i * 37) % 900 + 100} thousand tonnes last year, most of it timber and grain bound for the southern ports.`,
  ];
  return { slug: `story-${i}`, title: `Port Quillet plans ${topic} number ${i}`, paragraphs: facts.slice(0, Math.max(1, paragraphs)), updated: `2026-12-01T10:${String(i % 60).padStart(2, '0')}:00Z` };
}

function pageHtml(base: string, s: Story, opts: { canonical?: boolean } = {}): string {
  const canonical = opts.canonical === false ? '' : `<link rel="canonical" href="${base}/news/${s.slug}">`;
  return `<!DOCTYPE html><html><head><title>${esc(s.title)} | The Quillet Gazette</title><meta property="og:site_name" content="The Quillet Gazette">${canonical}
<meta property="article:published_time" content="${s.updated}"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>${esc(s.title)}</h1><p class="byline">By Anna Quell</p>${s.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('\n')}</article>
<aside><h3>Related</h3><ul><li><a href="/news/other">Other news from the harbour</a></li></ul></aside><footer>© The Quillet Gazette</footer></body></html>`;
}

function rss(base: string, stories: Story[]): string {
  const items = stories
    .map((s) => `<item><title>${esc(s.title)}</title><link>${base}/news/${s.slug}</link><guid isPermaLink="false">${s.slug}</guid><pubDate>${new Date(s.updated).toUTCString()}</pubDate></item>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>The Quillet Gazette</title><link>${base}/</link><description>News</description>\n${items}\n</channel></rss>`;
}

function atom(base: string, stories: Story[]): string {
  const entries = stories.map((s) => `<entry><title>${esc(s.title)}</title><link rel="alternate" href="${base}/news/${s.slug}"/><id>urn:quillet:${s.slug}</id><updated>${s.updated}</updated></entry>`).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>The Quillet Gazette (Atom)</title><id>urn:quillet</id><updated>2026-12-01T00:00:00Z</updated>\n${entries}\n</feed>`;
}

function jsonFeed(base: string, stories: Story[]): string {
  return JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'The Quillet Gazette (JSON)', items: stories.map((s) => ({ id: s.slug, url: `${base}/news/${s.slug}`, title: s.title, date_modified: s.updated })) });
}

const etagOf = (body: string | Buffer) => `"${Buffer.from(body).length.toString(36)}-${[...Buffer.from(body)].reduce((h, b) => (h * 31 + b) >>> 0, 7).toString(36)}"`;

/** Starts the site on 127.0.0.1 (or `host`, another loopback address) with `n` stories. */
export async function newsSite(n = 50, host = '127.0.0.1'): Promise<NewsSite> {
  const stories = Array.from({ length: n }, (_, i) => story(i + 1));
  const requests: string[] = [];
  let robots = 'User-agent: *\nDisallow: /private/\n';
  let base = '';
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
      const etag = etagOf(body);
      // "?always": a server that never answers 304 (the reader then compares the entries itself).
      if (status === 200 && req.headers['if-none-match'] === etag && !path.includes('?always')) return res.writeHead(304, { etag }).end();
      res.writeHead(status, { 'content-type': type, etag, ...headers }).end(body);
    };
    const [p] = path.split('?');
    if (p === '/robots.txt') return send(200, 'text/plain', robots);
    if (p === '/') return send(200, 'text/html; charset=utf-8', `<!DOCTYPE html><html><head><title>The Quillet Gazette</title><link rel="alternate" type="application/rss+xml" title="News" href="/feed.xml"></head><body><h1>The Quillet Gazette</h1><p>Home.</p></body></html>`);
    if (p === '/feed.xml') return send(200, 'application/rss+xml', rss(base, stories));
    // Feeds of 50 stories each over stories 1, 51, 101…: for following many feeds of one site.
    const f = /^\/feeds\/(\d+)\.xml$/.exec(p);
    if (f) return send(200, 'application/rss+xml', rss(base, stories.slice(Number(f[1]) * 50, Number(f[1]) * 50 + 50)));
    if (p === '/atom.xml') return send(200, 'application/atom+xml', atom(base, stories.slice(0, 5)));
    if (p === '/feed.json') return send(200, 'application/feed+json', jsonFeed(base, stories.slice(0, 5)));
    if (p === '/huge-feed.xml') return send(200, 'application/rss+xml', rss(base, Array.from({ length: 10_000 }, (_, i) => story(100_000 + i, 'pier', 1))));
    if (p === '/not-a-feed.xml') return send(200, 'application/xml', '<?xml version="1.0"?><catalog><book>Not a feed</book></catalog>');
    const m = /^\/news\/(.+)$/.exec(p);
    const s = m && stories.find((x) => x.slug === m[1]);
    if (s) return send(200, 'text/html; charset=utf-8', pageHtml(base, s));
    if (p === '/copy-of-story-1') return send(200, 'text/html; charset=utf-8', pageHtml(base, stories[0]));
    if (p === '/no-canonical') return send(200, 'text/html; charset=utf-8', pageHtml(base, story(900), { canonical: false }));
    if (p === '/moved') return res.writeHead(301, { location: '/news/story-2' }).end();
    if (p.startsWith('/loop')) return res.writeHead(302, { location: `/loop${Number(p.slice(5) || 0) + 1}` }).end();
    if (p === '/to-loopback') return res.writeHead(302, { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/news/story-1` }).end();
    if (p === '/empty-page') return send(200, 'text/html', '<html><head><title>Menu</title></head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav></body></html>');
    if (p === '/image.png') return send(200, 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array(200).fill(0)]));
    if (p === '/binary.html') return send(200, 'text/html', Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, ...Array(2000).fill(0)]));
    if (p === '/huge.html') {
      // 50 MB announced and streamed: refused at the header, or at the cap, never read whole.
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(50 * 1048576) });
      const chunk = Buffer.alloc(1 << 20, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 50 && res.write(chunk)) sent++;
        if (sent < 50) res.once('drain', pump);
        else res.end();
      };
      res.on('error', () => {});
      return pump();
    }
    if (p === '/bomb.html') {
      // 60 kB on the wire, 60 MB once decompressed.
      return res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(zlib.gzipSync(Buffer.alloc(60 << 20, ' ')));
    }
    if (p === '/slow') return void setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'), 60_000).unref();
    if (p.startsWith('/private/')) return send(200, 'text/html', pageHtml(base, stories[0]));
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not found</body></html>');
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, host, r));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    host,
    stories,
    requests,
    count: (path) => requests.filter((r) => r.split('?')[0] === path).length,
    setRobots: (text) => (robots = text),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
