/**
 * SHA-256 of a file's content, streamed (any size, constant memory). The one checksum the file
 * index records and `move` verifies copies with.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** Lower-case hex SHA-256 of the file at `file`. */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}
