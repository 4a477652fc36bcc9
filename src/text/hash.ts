// Content hashes: the keys under which files and passage vectors are recognised when seen again.
import crypto from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
