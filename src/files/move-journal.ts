/**
 * The plan of a `move`, written before the first byte is copied so that a move killed at any
 * point (`kill -9`, a power cut) is finished or rolled back by the next one.
 *
 * The journal is one JSON file in the store's data folder (`NAME.data/move-journal.json`; the
 * store's folder for a store without one), replaced atomically at each step:
 * - `copying`: copies are being made; the sources and the store are untouched. Recovery removes
 *   the copies (only where the source is still there) and the journal: **rolled back**.
 * - `copied`: every copy is complete, fsynced and verified (its SHA-256 is in the journal). The
 *   store may or may not have been switched to the new paths. Recovery checks the store: not
 *   switched → it verifies the copies again and switches (or, if a copy is gone or differs, rolls
 *   back); switched → it removes the sources left. Either way: **finished** or rolled back, and
 *   at every instant each file exists in at least one place the store can name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { StoreError } from '../errors.js';
import type { Store } from '../store/store.js';

/** One file of a move: absolute paths, and its checksum once verified. */
export interface JournalFile {
  /** The index row's uuid before the move. */
  readonly uuid: string;
  readonly from: string;
  readonly to: string;
  /** The folder the index records as the file's `root` after the move. */
  readonly root: string;
  readonly size: number;
  /** SHA-256 the copy must have: the index's when it had one; filled in once verified. */
  sha256: string | null;
}

export interface MoveJournal {
  readonly format: 1;
  state: 'copying' | 'copied';
  readonly dest: string;
  readonly files: readonly JournalFile[];
}

/** Where the journal of `store`'s moves lives. */
export function journalPath(store: Store): string {
  return path.join(store.dataFolder ?? store.fileRoot, 'move-journal.json');
}

/** Write (replace) the journal atomically. */
export async function writeJournal(file: string, journal: MoveJournal): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(journal, null, 1)}\n`);
}

/** The journal at `file`, or undefined when there is none; a damaged one is an error naming it. */
export function readJournal(file: string): MoveJournal | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('E_FILE', `cannot read the move journal ${file}: ${(e as Error).message}`, { file });
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    j = undefined;
  }
  const ok =
    typeof j === 'object' && j !== null && (j as MoveJournal).format === 1 &&
    ((j as MoveJournal).state === 'copying' || (j as MoveJournal).state === 'copied') &&
    typeof (j as MoveJournal).dest === 'string' && Array.isArray((j as MoveJournal).files) &&
    (j as MoveJournal).files.every((f) => typeof f?.from === 'string' && typeof f?.to === 'string' && typeof f?.uuid === 'string' && typeof f?.root === 'string');
  if (!ok) throw new StoreError('E_BAD_INPUT', `${file}: not a move journal this version can read; the move it describes must be finished by hand`, { file });
  return j as MoveJournal;
}
