// Logs go to stderr as JSON (pino) so stdout stays clean for answers and `--json` output.
// Anything that could carry the Discord token is redacted at the logger, not at each call site; so are the
// secrets a feed's or page's address may carry in its query (a private feed's ?token=…).
import pino from 'pino';

export type Logger = pino.Logger;

const SECRET_PARAM = /^(?:token|access_?token|api_?key|apikey|key|secret|sig|signature|auth|password|passwd|session|code)$/i;

/** An address with the values of its secret-looking query parameters replaced. */
export function redactUrl<T>(value: T): T {
  if (typeof value !== 'string') return value;
  try {
    const u = new URL(value);
    let changed = false;
    for (const k of [...u.searchParams.keys()]) {
      if (!SECRET_PARAM.test(k)) continue;
      u.searchParams.set(k, 'redacted');
      changed = true;
    }
    return changed ? (u.toString() as T) : value;
  } catch {
    return value;
  }
}

const TOKEN_PATHS = ['token', '*.token', 'config.discordToken', 'discordToken', 'headers.authorization', '*.headers.authorization'];
const URL_KEYS = ['url', 'feed'];
const URL_PATHS = URL_KEYS.flatMap((k) => [k, `*.${k}`]);

/** `destination`: a file path, or a file descriptor (default 2, stderr). */
export function createLogger(level: string = process.env.LOG_LEVEL || 'info', destination: string | number = 2): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [...TOKEN_PATHS, ...URL_PATHS],
        censor: (value: unknown, path: string[]) => (URL_KEYS.includes(path[path.length - 1]) ? redactUrl(value) : '[redacted]'),
      },
    },
    pino.destination(typeof destination === 'number' ? destination : { dest: destination, sync: true, mkdir: true }),
  );
}
