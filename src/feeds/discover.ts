// A site's page names its feeds in its head: <link rel="alternate" type="application/rss+xml" href="…">.
// Given a site's address instead of a feed's, those links are where its feed is.
import { parseHTML } from 'linkedom';
import { httpUrl } from '../text/address.js';

const FEED_TYPES = /^application\/(?:rss|atom|rdf|feed)\+(?:xml|json)$|^application\/json$/i;

/** The feed addresses a page links to, in the page's order (absolute, http(s) only). */
export function feedLinks(html: string, pageUrl: string): string[] {
  const { document } = parseHTML(html);
  const out: string[] = [];
  for (const link of Array.from(document.querySelectorAll('link[rel]')) as unknown as { getAttribute(n: string): string | null }[]) {
    const rel = (link.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
    if (!rel.includes('alternate') || !FEED_TYPES.test((link.getAttribute('type') ?? '').trim())) continue;
    const u = httpUrl(link.getAttribute('href'), pageUrl);
    if (u && !out.includes(u)) out.push(u);
  }
  return out;
}
