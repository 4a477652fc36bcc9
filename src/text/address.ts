// Addresses found in untrusted text (a page's metadata, a feed's entries, a page's feed links): only an
// absolute http(s) address is kept, so that nothing else is ever fetched or cited.

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
