// Which addresses the bot may fetch. Strangers type them, so an address is refused unless it is http(s)
// and every IP address its host resolves to is a public unicast one: no loopback, private, link-local,
// multicast, carrier-grade NAT, documentation or other reserved range, IPv4 or IPv6, IPv4-mapped and
// NAT64 forms included (ipaddr.js classifies them). The same check runs at every redirect and inside the
// connection's own DNS lookup (client.ts), so the address connected to is the one checked.
// FETCH_ALLOW_HOSTS names hosts (or IP addresses) that are fetched anyway: a self-hoster's intranet, or
// the test suite's servers on 127.0.0.1.
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export class FetchRefused extends Error {
  override name = 'FetchRefused';
}

export interface GuardOptions {
  /** Hosts or IP addresses allowed whatever their range (lower case). */
  allowHosts: ReadonlySet<string>;
}

const PUBLIC = new Set(['unicast']);

/** Why `ip` may not be fetched from, or null when it may. */
export function forbiddenAddress(ip: string): string | null {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(ip);
  } catch {
    return `${ip} is not an IP address`;
  }
  // ::ffff:10.0.0.1 is 10.0.0.1; 64:ff9b::a00:1 (NAT64) reaches 10.0.0.1 too.
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) addr = v6.toIPv4Address();
    else if (v6.range() === 'rfc6052' || v6.range() === '6to4' || v6.range() === 'teredo') return `${ip} is an address that tunnels to another one`;
  }
  const range = addr.range();
  return PUBLIC.has(range) ? null : `${ip} is a ${range} address, not a public one`;
}

/** Checks an address typed by someone; returns the URL, or throws FetchRefused with a one-line reason. */
export function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new FetchRefused(`"${raw.slice(0, 100)}" is not a web address (it should start with https://)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused(`only http and https addresses can be fetched, not ${url.protocol.replace(/:$/, '')}:`);
  if (url.username || url.password) throw new FetchRefused('addresses with a user name or password are not fetched');
  if (!url.hostname) throw new FetchRefused('the address has no host');
  return url;
}

const bare = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

/** Whether the host is one FETCH_ALLOW_HOSTS lets through whatever it resolves to. */
export function allowedHost(host: string, opts: GuardOptions): boolean {
  return opts.allowHosts.has(bare(host));
}

/** The host's addresses, each checked; throws FetchRefused if any is not public (unless the host is allowed). */
export async function resolveChecked(host: string, opts: GuardOptions): Promise<{ address: string; family: 4 | 6 }[]> {
  const h = bare(host);
  let found: { address: string; family: number }[];
  if (net.isIP(h)) found = [{ address: h, family: net.isIP(h) }];
  else {
    try {
      found = await dns.promises.lookup(h, { all: true, verbatim: true });
    } catch (err) {
      throw new FetchRefused(`the host ${h} could not be found (${(err as NodeJS.ErrnoException).code ?? 'DNS error'})`);
    }
  }
  if (!found.length) throw new FetchRefused(`the host ${h} has no address`);
  if (!allowedHost(h, opts)) {
    // Every address, not just the first: a name that also resolves to a private one is refused outright.
    for (const a of found) {
      const why = opts.allowHosts.has(a.address) ? null : forbiddenAddress(a.address);
      if (why) throw new FetchRefused(`${h === a.address ? '' : `${h} resolves to `}${why}: private and local addresses are not fetched`);
    }
  }
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}
