// A site's page names its feeds in its head: <link rel="alternate" type="application/rss+xml" href="…">.
// Given a site's address instead of a feed's, those links are where its feed is.
import { parseHTML } from 'linkedom';

const FEED_TYPES = /^application\/(?:rss|atom|rdf|feed)\+(?:xml|json)$|^application\/json$/i;

/** The feed addresses a page links to, in the page's order (absolute, http(s) only). */
export function feedLinks(html: string, pageUrl: string): string[] {
  const { document } = parseHTML(html);
  const out: string[] = [];
  for (const link of Array.from(document.querySelectorAll('link[rel]')) as unknown as { getAttribute(n: string): string | null }[]) {
    const rel = (link.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
    if (!rel.includes('alternate') || !FEED_TYPES.test((link.getAttribute('type') ?? '').trim())) continue;
    try {
      const u = new URL(link.getAttribute('href') ?? '', pageUrl);
      if ((u.protocol === 'http:' || u.protocol === 'https:') && !out.includes(u.toString())) out.push(u.toString());
    } catch {
      // a link without a usable address
    }
  }
  return out;
}
