// Fetching addresses that strangers type: the guard refuses what is not a public http(s) address (by
// literal, by DNS name, by redirect), and the client refuses what is not a page or feed of sane size,
// each with one line that says why. The guard is on here (loopback refused) except where a test names
// the one host it allows.
import { describe, expect, it } from 'vitest';
import { createFetcher, type FetchOptions } from '../src/fetch/client.js';
import { forbiddenAddress } from '../src/fetch/guard.js';
import { newsSite } from './news-site.js';
import { onCleanup } from './helpers.js';

function fetcher(opts: Partial<FetchOptions> = {}) {
  const f = createFetcher({ allowHosts: new Set(), timeoutMs: 3000, connectTimeoutMs: 1000, maxBytes: 5 * 1048576, hostIntervalMs: 0, ...opts });
  onCleanup(() => f.close());
  return f;
}

async function site(n = 3, host = '127.0.0.1') {
  const s = await newsSite(n, host);
  onCleanup(() => s.close());
  return s;
}

describe('the address guard', () => {
  it('tells public addresses from loopback, private, link-local, multicast and reserved ones, IPv4 and IPv6', () => {
    for (const ip of ['8.8.8.8', '93.184.216.34', '2001:4860:4860::8888', '2606:4700::1111']) expect(forbiddenAddress(ip), ip).toBeNull();
    for (const ip of [
      '127.0.0.1', '127.8.9.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '192.0.2.10', '198.18.0.1',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '2002:a00:1::1', '2001:db8::1',
    ]) {
      expect(forbiddenAddress(ip), ip).not.toBeNull();
    }
  });

  it('refuses, with a reason, what is not a public http(s) address: before connecting, by DNS name, and at a redirect', async () => {
    const s = await site();
    const port = new URL(s.url).port;
    const f = fetcher();
    await expect(f.fetch('not a url')).rejects.toThrow(/is not a web address/);
    await expect(f.fetch('ftp://example.com/file')).rejects.toThrow(/only http and https/);
    await expect(f.fetch('file:///etc/passwd')).rejects.toThrow(/only http and https/);
    await expect(f.fetch('javascript:alert(1)')).rejects.toThrow(/only http and https/);
    await expect(f.fetch(`http://user:pw@${s.host}:${port}/`)).rejects.toThrow(/user name or password/);
    await expect(f.fetch(`${s.url}/news/story-1`)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    await expect(f.fetch(`http://localhost:${port}/news/story-1`)).rejects.toThrow(/localhost resolves to .* loopback/);
    await expect(f.fetch(`http://[::1]:${port}/`)).rejects.toThrow(/loopback/);
    await expect(f.fetch(`http://[::ffff:127.0.0.1]:${port}/`)).rejects.toThrow(/loopback/);
    await expect(f.fetch('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(/linkLocal/);
    await expect(f.fetch('http://10.0.0.1/')).rejects.toThrow(/private/);
    expect(s.requests).toEqual([]); // nothing reached the server
    // A host that is allowed redirects to one that is not: refused at the redirect.
    const other = await site(3, '127.0.0.2');
    const viaAllowed = fetcher({ allowHosts: new Set(['127.0.0.2']) });
    await expect(viaAllowed.fetch(`${other.url}/to-loopback`)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(other.count('/to-loopback')).toBe(1);
    expect(s.requests).toEqual([]);
  });
});

describe('the fetcher (FETCH_ALLOW_HOSTS=127.0.0.1)', () => {
  const allowed = () => fetcher({ allowHosts: new Set(['127.0.0.1']) });

  it('fetches a page, follows a redirect, asks conditionally, and says who it is', async () => {
    const s = await site();
    const f = allowed();
    const r = await f.fetch(`${s.url}/moved`, { accept: 'page' });
    expect(r.url).toBe(`${s.url}/news/story-2`);
    expect(r.body.toString()).toContain('Port Quillet plans ferry terminal number 2');
    const again = await f.fetch(`${s.url}/news/story-2`, { accept: 'page', etag: r.etag });
    expect(again.notModified).toBe(true);
    expect(again.body.length).toBe(0);
  });

  it('refuses the pages that misbehave, each with one line saying why, within seconds', async () => {
    const s = await site();
    const f = createFetcher({ allowHosts: new Set(['127.0.0.1']), timeoutMs: 1500, connectTimeoutMs: 1000, maxBytes: 5 * 1048576, hostIntervalMs: 0 });
    onCleanup(() => f.close());
    const t = Date.now();
    await expect(f.fetch(`${s.url}/nowhere`, { accept: 'page' })).rejects.toThrow(/answered HTTP 404 \(not found\)/);
    await expect(f.fetch(`${s.url}/slow`, { accept: 'page' })).rejects.toThrow(/did not answer within 1\.5 s/);
    await expect(f.fetch(`${s.url}/huge.html`, { accept: 'page' })).rejects.toThrow(/is 50 MB, more than the 5 MB limit/);
    await expect(f.fetch(`${s.url}/bomb.html`, { accept: 'page' })).rejects.toThrow(/more than the 5 MB limit once decompressed/);
    await expect(f.fetch(`${s.url}/image.png`, { accept: 'page' })).rejects.toThrow(/is image\/png, not a web page/);
    await expect(f.fetch(`${s.url}/loop0`, { accept: 'page' })).rejects.toThrow(/redirects more than 5 times/);
    await expect(f.fetch(`${s.url}/private/page`, { accept: 'page' })).rejects.toThrow(/robots\.txt asks robots not to fetch \/private\/page/);
    expect(s.count('/private/page')).toBe(0);
    expect(Date.now() - t).toBeLessThan(15_000);
  });

  it('waits its turn between two requests to one host', async () => {
    const s = await site();
    const f = fetcher({ allowHosts: new Set(['127.0.0.1']), hostIntervalMs: 300, robots: false });
    const t = Date.now();
    await Promise.all([1, 2, 3].map((i) => f.fetch(`${s.url}/news/story-${i}`, { accept: 'page' })));
    expect(Date.now() - t).toBeGreaterThanOrEqual(550);
  });
});
