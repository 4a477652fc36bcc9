// Fetching pages and feeds that strangers name, safely (undici, the HTTP client under Node's own fetch):
//  - every address is checked (guard.ts) before it is asked for and at every redirect (at most 5), and the
//    connection's DNS lookup is the checked one, so what is connected to is what was checked;
//  - time-outs for connecting and for the whole request; a size cap applied to the body as decoded
//    (gzip, deflate, br), so a small compressed bomb is stopped too;
//  - only HTML, XML and JSON; a clear User-Agent; conditional requests (ETag, Last-Modified); a pause
//    between requests to one host; and each site's robots.txt (robots-parser), read once an hour.
// Every refusal is a FetchRefused with one line that says why.
import zlib from 'node:zlib';
import type { Agent, Dispatcher } from 'undici';
import { createRequire } from 'node:module';
import { allowedHost, checkUrl, FetchRefused, forbiddenAddress, resolveChecked, type GuardOptions } from './guard.js';

export { FetchRefused } from './guard.js';

// robots-parser is CommonJS exporting the function itself; its typings say otherwise to ESM.
const robotsParser = createRequire(import.meta.url)('robots-parser') as (url: string, text: string) => { isAllowed(url: string, ua?: string): boolean | undefined };

export const USER_AGENT = 'VerbatimBot/0.1 (+https://github.com/verbatim-bot/verbatim; quotes news articles for a Discord server)';
/** The name robots.txt rules are matched against. */
const ROBOT_NAME = 'VerbatimBot';

export interface FetchOptions extends GuardOptions {
  /** The whole request, redirects included. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Largest body accepted, as decoded. */
  maxBytes: number;
  /** Least time between two requests to one host. */
  hostIntervalMs: number;
  userAgent?: string;
  /** Read and obey robots.txt (default true). */
  robots?: boolean;
}

export type Accept = 'page' | 'feed' | 'any';

export interface FetchRequest {
  accept?: Accept;
  /** From the last fetch of the same address: the server may answer 304 Not Modified. */
  etag?: string | null;
  lastModified?: string | null;
  signal?: AbortSignal;
}

export interface Fetched {
  /** The address finally fetched (after redirects). */
  url: string;
  status: number;
  notModified: boolean;
  contentType: string;
  body: Buffer;
  etag: string | null;
  lastModified: string | null;
}

export interface Fetcher {
  fetch(address: string, req?: FetchRequest): Promise<Fetched>;
  close(): Promise<void>;
}

const TYPES: Record<Accept, RegExp> = {
  page: /^(?:text\/html|application\/xhtml\+xml)$/,
  feed: /^(?:application\/(?:rss|atom|rdf|feed)\+(?:xml|json)|application\/(?:xml|json)|text\/xml|text\/html|application\/xhtml\+xml)$/,
  any: /^(?:text\/html|application\/xhtml\+xml|application\/(?:rss|atom|rdf|feed)\+(?:xml|json)|application\/(?:xml|json)|text\/xml)$/,
};

// Required at the first request, not at import: 70 ms that every start of the engine paid, fetching or not.
let undiciModule: typeof import('undici') | null = null;
const undici = () => (undiciModule ??= createRequire(import.meta.url)('undici') as typeof import('undici'));

const REDIRECTS = 5;
const ROBOTS_TTL_MS = 3_600_000;

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(bytes < 1048576 ? 1 : 0)} MB`;
const header = (h: Dispatcher.ResponseData['headers'], name: string): string | null => {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
};

export function createFetcher(opts: FetchOptions): Fetcher {
  let agent: Agent | null = null;
  const dispatcher = () => (agent ??= new (undici().Agent)({
    connect: {
      timeout: opts.connectTimeoutMs,
      // The connection's own lookup: the addresses connected to are the ones checked.
      lookup: (hostname: string, options: { all?: boolean }, callback: (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void) => {
        resolveChecked(hostname, opts).then(
          (addresses) => (options.all ? callback(null, addresses) : callback(null, addresses[0].address, addresses[0].family)),
          (err: Error) => callback(err, ''),
        );
      },
    },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  }));
  const userAgent = opts.userAgent ?? USER_AGENT;
  const nextSlot = new Map<string, number>();
  const robots = new Map<string, { allowed: (url: string) => boolean; expires: number }>();

  /** Waits for this host's turn: requests to one host are at least hostIntervalMs apart. */
  async function turn(host: string, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, nextSlot.get(host) ?? 0);
    nextSlot.set(host, at + opts.hostIntervalMs);
    if (at > now) await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, at - now);
      signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
    });
  }

  /** One request, no redirects followed; the body read (decoded) up to the cap. */
  async function once(url: URL, accept: Accept | 'robots', req: FetchRequest, signal: AbortSignal): Promise<Fetched & { location: string | null }> {
    // An IP literal is connected to without a lookup: check it here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (/^[\d.]+$|:/.test(literal) && !allowedHost(literal, opts)) {
      const why = forbiddenAddress(literal);
      if (why) throw new FetchRefused(`${why}: private and local addresses are not fetched`);
    }
    await turn(url.host, signal);
    const headers: Record<string, string> = {
      'user-agent': userAgent,
      accept: accept === 'page' ? 'text/html,application/xhtml+xml;q=0.9' : accept === 'robots' ? 'text/plain' : 'application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,text/html;q=0.8,*/*;q=0.5',
      'accept-encoding': 'gzip, deflate, br',
    };
    if (req.etag) headers['if-none-match'] = req.etag;
    if (req.lastModified) headers['if-modified-since'] = req.lastModified;
    let res: Dispatcher.ResponseData;
    try {
      res = await undici().request(url, { dispatcher: dispatcher(), method: 'GET', headers, signal });
    } catch (err) {
      throw describe(err, url);
    }
    const location = res.statusCode >= 300 && res.statusCode < 400 ? header(res.headers, 'location') : null;
    const contentType = (header(res.headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    const base = { url: url.toString(), status: res.statusCode, contentType, etag: header(res.headers, 'etag'), lastModified: header(res.headers, 'last-modified'), location };
    if (res.statusCode === 304 || location || res.statusCode >= 400 || accept === 'robots') {
      if (accept === 'robots' && res.statusCode === 200) return { ...base, notModified: false, body: await readBody(res, 512 * 1024, signal) };
      await res.body.dump().catch(() => {});
      return { ...base, notModified: res.statusCode === 304, body: Buffer.alloc(0) };
    }
    if (contentType && !TYPES[accept].test(contentType)) {
      await res.body.dump().catch(() => {});
      throw new FetchRefused(`${url} is ${contentType}, not ${accept === 'page' ? 'a web page (HTML)' : 'a web page or feed (HTML, XML or JSON)'}`);
    }
    const length = Number(header(res.headers, 'content-length') ?? NaN);
    const encoded = (header(res.headers, 'content-encoding') ?? 'identity').toLowerCase();
    if (encoded === 'identity' && length > opts.maxBytes) {
      await res.body.dump({ limit: 0 }).catch(() => {});
      throw new FetchRefused(`${url} is ${mb(length)}, more than the ${mb(opts.maxBytes)} limit`);
    }
    return { ...base, notModified: false, body: await readBody(res, opts.maxBytes, signal, url) };
  }

  /** The body, decoded as its content-encoding says, stopped as soon as it passes `max` bytes. */
  async function readBody(res: Dispatcher.ResponseData, max: number, signal: AbortSignal, url?: URL): Promise<Buffer> {
    const encoding = (header(res.headers, 'content-encoding') ?? 'identity').toLowerCase();
    const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? zlib.createGunzip() : encoding === 'deflate' ? zlib.createInflate() : encoding === 'br' ? zlib.createBrotliDecompress() : null;
    if (!decoder && encoding !== 'identity') {
      await res.body.dump().catch(() => {});
      throw new FetchRefused(`${url ?? 'the page'} is sent with an encoding this bot does not read (${encoding})`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stream = decoder ? res.body.pipe(decoder) : res.body;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > max) throw new FetchRefused(`${url ?? 'the page'} is more than the ${mb(max)} limit${decoder ? ' once decompressed' : ''}`);
        chunks.push(chunk);
        if (signal.aborted) throw signal.reason as Error;
      }
    } catch (err) {
      res.body.destroy();
      decoder?.destroy();
      if (err instanceof FetchRefused) throw err;
      throw describe(err, url);
    }
    return Buffer.concat(chunks);
  }

  /** What robots.txt says of `url` for this bot (read once an hour per site; a missing one allows all). */
  async function robotsAllow(url: URL, signal: AbortSignal): Promise<boolean> {
    const origin = url.origin;
    let entry = robots.get(origin);
    if (!entry || entry.expires < Date.now()) {
      let allowed: (u: string) => boolean = () => true;
      try {
        const r = await once(new URL('/robots.txt', origin), 'robots', {}, signal);
        if (r.status === 200) {
          const parsed = robotsParser(`${origin}/robots.txt`, r.body.toString('utf8'));
          allowed = (u) => parsed.isAllowed(u, ROBOT_NAME) !== false;
        } else if (r.status === 401 || r.status === 403) {
          allowed = () => false; // the site forbids its robots.txt: read as "no robots"
        }
      } catch (err) {
        if (err instanceof FetchRefused) throw err;
      }
      entry = { allowed, expires: Date.now() + ROBOTS_TTL_MS };
      robots.set(origin, entry);
    }
    return entry.allowed(url.toString());
  }

  return {
    async fetch(address, req = {}) {
      let url = checkUrl(address);
      const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs);
      try {
        for (let hop = 0; ; hop++) {
          if (opts.robots !== false && !(await robotsAllow(url, signal))) throw new FetchRefused(`${url.host}'s robots.txt asks robots not to fetch ${url.pathname}`);
          const r = await once(url, req.accept ?? 'any', req, signal);
          if (!r.location) {
            if (r.status >= 400) throw new FetchRefused(`${url} answered HTTP ${r.status}${r.status === 404 ? ' (not found)' : r.status === 403 ? ' (forbidden)' : ''}`);
            if (r.status >= 300 && !r.notModified) throw new FetchRefused(`${url} answered HTTP ${r.status} without saying where to go`);
            return { url: r.url, status: r.status, notModified: r.notModified, contentType: r.contentType, body: r.body, etag: r.etag, lastModified: r.lastModified };
          }
          if (hop >= REDIRECTS) throw new FetchRefused(`${address} redirects more than ${REDIRECTS} times`);
          url = checkUrl(new URL(r.location, url).toString());
        }
      } catch (err) {
        if (err instanceof FetchRefused) throw err;
        throw describe(err, url);
      }
    },
    close: async () => {
      await agent?.close();
    },
  };

  function describe(err: unknown, url?: URL): Error {
    if (err instanceof FetchRefused) return err;
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    // An abort by the whole-request time-out is a DOMException (whose numeric code means nothing here).
    const code = e.name === 'TimeoutError' || e.name === 'AbortError' ? e.name : (e.code ?? e.cause?.code ?? e.name);
    const where = url ? `${url.host}` : 'the site';
    if (e.cause instanceof FetchRefused) return e.cause;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return new FetchRefused(`${where} did not accept a connection within ${opts.connectTimeoutMs / 1000} s`);
    if (code === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'AbortError') return new FetchRefused(`${where} did not answer within ${opts.timeoutMs / 1000} s`);
    if (code === 'ECONNREFUSED') return new FetchRefused(`${where} refused the connection`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new FetchRefused(`the host ${url?.hostname ?? ''} could not be found`);
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return new FetchRefused(`${where} closed the connection`);
    if (/CERT|SSL|TLS/i.test(String(code))) return new FetchRefused(`${where}'s certificate could not be verified`);
    return new FetchRefused(`${where} could not be fetched (${code ?? e.message})`);
  }
}
