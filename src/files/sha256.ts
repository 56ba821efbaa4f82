/**
 * SHA-256 of a file's content: read whole when small, streamed otherwise (any size, bounded memory). The one checksum the file
 * index records and `move` verifies copies with.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** Files up to this size are read in one call: a stream costs more than the read for small files. */
const WHOLE_READ_MAX = 4 << 20;

/** Lower-case hex SHA-256 of the file at `file`. */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const handle = await fs.promises.open(file, 'r');
  try {
    if ((await handle.stat()).size <= WHOLE_READ_MAX) return hash.update(await handle.readFile()).digest('hex');
  } finally {
    await handle.close();
  }
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}
