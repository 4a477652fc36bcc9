// Addresses found in untrusted text (a page's metadata, a feed's entries, a page's feed links): only an
// absolute http(s) address is kept, so that nothing else is ever fetched or cited. And addresses shown to
// people (a store's location): never with a password.

/** `value` resolved against `base`, if it is a web address; undefined for anything else. */
export function httpUrl(value: string | null | undefined, base?: string): string | undefined {
  if (!value) return undefined;
  try {
    const u = new URL(value, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** A store location fit for a log line or a reply: a URL's password is never shown. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured STORE_URL';
  }
}
