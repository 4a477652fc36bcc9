// Logs go to stderr as JSON (pino) so stdout stays clean for answers and `--json` output.
// Anything that could carry the Discord token is redacted at the logger, not at each call site.
import pino from 'pino';

export type Logger = pino.Logger;

/** `destination`: a file path, or a file descriptor (default 2, stderr). */
export function createLogger(level: string = process.env.LOG_LEVEL || 'info', destination: string | number = 2): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['token', '*.token', 'config.discordToken', 'discordToken', 'headers.authorization', '*.headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination(typeof destination === 'number' ? destination : { dest: destination, sync: true, mkdir: true }),
  );
}
