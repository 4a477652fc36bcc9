// What the bot remembers between messages, bounded in size and age: the answers it gave (for the
// "More sources" and "Full paragraph" buttons, and for follow-up replies), and the question behind
// each of its messages and threads.
import crypto from 'node:crypto';
import type { QuotedPassage } from '../answer/compose.js';
import type { Scope } from '../store/types.js';
import type { DaySpan } from '../text/dates.js';

export interface Remembered {
  question: string;
  /** The question as searched (with the earlier question of a follow-up). */
  query: string;
  /** Every passage shown so far for this question, in rank order. */
  shown: QuotedPassage[];
  ephemeral: boolean;
  /** The libraries it was answered from, and where: buttons never widen or move that. */
  scope: Scope;
  guildId: string | null;
  /** The period it was narrowed to (since:/until:), kept for "More sources". */
  within?: DaySpan;
}

export class BoundedMap<K, V> {
  private map = new Map<K, { value: V; at: number }>();
  constructor(private max: number, private ttlMs: number) {}
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, { value, at: Date.now() });
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (Date.now() - e.at > this.ttlMs) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }
  get size(): number {
    return this.map.size;
  }
}

/** A timeline given, for its page buttons: where it was asked, so a page never shows elsewhere. */
export interface RememberedTimeline {
  topic: string;
  entries: QuotedPassage[];
  guildId: string | null;
}

export interface Memory {
  answers: BoundedMap<string, Remembered>;
  timelines: BoundedMap<string, RememberedTimeline>;
  /** Message id (or thread id) → the question it answered. */
  conversations: BoundedMap<string, string>;
  newId(): string;
}

export function createMemory(): Memory {
  return {
    answers: new BoundedMap(5_000, 24 * 3600_000),
    timelines: new BoundedMap(1_000, 24 * 3600_000),
    conversations: new BoundedMap(20_000, 24 * 3600_000),
    newId: () => crypto.randomBytes(6).toString('base64url'),
  };
}
