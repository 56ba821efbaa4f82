/**
 * Whose file permissions a store's results answer to. DSI returns a row that references files
 * (a `FILE…` value, the file index's `file_origin`) only when the caller may read every file it
 * references; this is the question the store asks, for a batch of absolute paths at a time.
 *
 * Two answers ship with the library:
 * - {@link ProcessFileAccess}: the calling process's own credentials, asked of the kernel with
 *   `access(2)`, so owner, group and other bits, supplementary groups and POSIX ACLs all count
 *   exactly as they do for `cat`; root may read everything, as it may on the command line;
 * - an account's credentials when a server answers for someone else (the dashboard's per-user
 *   checker, `src/server/`), which implements the same interface.
 *
 * Answers are cached per file for the life of the object: a command, a request, a training run.
 * A file whose folder the caller cannot search is not readable. A path where nothing exists at
 * all (the kernel says ENOENT or ENOTDIR, which it says only when every folder on the way could
 * be searched) protects nothing: it answers true, so a store opened without its files stays
 * findable and the operation that needs the file fails naming it. URLs are not files and are
 * never asked about.
 *
 * @example
 * const access = new ProcessFileAccess();
 * const [a, b] = await access.canRead(['/data/run1/a.png', '/data/private/b.png']);
 */
import fs from 'node:fs';
import os from 'node:os';

/** Decides, per file, whether the caller may read it. */
export interface FileAccess {
  /** Who the answers are for, in words (`alice (uid 1001)`), for messages and logs. */
  readonly who: string;
  /**
   * Whether the caller may read each of `paths` (absolute), in the same order; true as well
   * where nothing exists at the path (see the header).
   */
  canRead(paths: readonly string[]): Promise<boolean[]>;
}

/** The calling process's own read permission, from `access(2)`, cached per path. */
export class ProcessFileAccess implements FileAccess {
  readonly who: string;
  readonly #cache = new Map<string, boolean>();

  constructor() {
    const uid = process.getuid?.();
    let name = 'this process';
    try { name = os.userInfo().username; } catch { /* no passwd entry: keep the uid alone */ }
    this.who = uid === undefined ? name : `${name} (uid ${uid})`;
  }

  canRead(paths: readonly string[]): Promise<boolean[]> {
    // A refused access(2) is an exception in Node; its stack trace is most of its cost, and a
    // third of a 70,000-row result may be refused.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return Promise.resolve(paths.map((p) => {
        let ok = this.#cache.get(p);
        if (ok === undefined) {
          ok = mayRead(p);
          this.#cache.set(p, ok);
        }
        return ok;
      }));
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}

/**
 * This process's answer for one path: readable, or nothing there at all. Exported for the
 * dashboard's checker, which asks it as another account.
 */
export function mayRead(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.R_OK);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}
