// Per-user question limit over a sliding window (default 5 questions in 30 s).
export interface RateLimiter {
  /** Records a question; returns 0 when allowed, else the milliseconds until the next one is. */
  take(userId: string, now?: number): number;
}

export function createRateLimiter(max = 5, windowMs = 30_000): RateLimiter {
  const seen = new Map<string, number[]>();
  return {
    take(userId, now = Date.now()) {
      const recent = (seen.get(userId) ?? []).filter((t) => now - t < windowMs);
      if (recent.length >= max) {
        seen.set(userId, recent);
        return recent[0] + windowMs - now;
      }
      recent.push(now);
      seen.set(userId, recent);
      if (seen.size > 10_000) for (const [k, v] of seen) if (v.every((t) => now - t >= windowMs)) seen.delete(k);
      return 0;
    },
  };
}
