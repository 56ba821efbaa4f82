/**
 * Which of a store's paths have permissions that undo the store's privacy, for `dsi doctor`: the
 * store file (and its `-wal`, `-shm`, `-journal` companions) and the folder that holds it, the data
 * folder and what lies under it, and the files the store's rows reference (`FILE…` columns and the
 * file index's `file_origin`) with their folders.
 *
 * Three rules, each finding naming the path, the problem and the command that fixes it:
 * - a **world-writable file**: anyone may change it (`chmod o-w PATH`);
 * - a **world-writable folder without the sticky bit**: anyone may delete, rename or replace what
 *   it holds, the store file included (`chmod o-w PATH`); with the sticky bit (as `/tmp`) only an
 *   entry's owner may, which is safe;
 * - a **world-readable file or folder in a folder others may not read**: the folder's privacy is
 *   a false promise, since the entry is readable by anyone who knows or guesses its name, or
 *   reaches it by another link (`chmod o-r PATH`).
 *
 * Bounded work: the walk of the data folder stops after {@link AUDIT_LIMITS}.dataEntries entries
 * and the referenced files are a sample of {@link AUDIT_LIMITS}.referencedFiles paths; the report
 * says when either limit was reached. Nothing is changed: the audit only reads. Symbolic links are
 * not followed in the walk (their own mode means nothing); a referenced path is checked where it
 * leads.
 *
 * @example
 * const report = await auditPermissions(store);
 * for (const f of report.findings) console.log(`${f.path}: ${f.problem}; fix: ${f.fix}`);
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/store.js';

export const AUDIT_LIMITS = Object.freeze({ dataEntries: 10_000, referencedFiles: 1_000 });

export type PermissionProblem = 'world-writable' | 'world-writable-folder' | 'world-readable-in-private-folder';

export interface PermissionFinding {
  readonly path: string;
  readonly problem: PermissionProblem;
  /** One sentence: what is wrong and why it matters. */
  readonly message: string;
  /** The shell command that fixes it. */
  readonly fix: string;
}

export interface PermissionReport {
  /** Paths whose permissions were looked at. */
  readonly checked: number;
  /** Whether the data folder's walk or the sample of referenced files reached its limit. */
  readonly capped: boolean;
  readonly findings: readonly PermissionFinding[];
}

/** The permission bits of others. */
const O_READ = 0o004;
const O_WRITE = 0o002;
const STICKY = 0o1000;

/** Audits `store`'s paths (see the file comment); a store with no file (a server store without a data folder) audits what it has. */
export async function auditPermissions(store: Store, limits: { readonly dataEntries?: number; readonly referencedFiles?: number } = {}): Promise<PermissionReport> {
  const maxEntries = limits.dataEntries ?? AUDIT_LIMITS.dataEntries;
  const maxReferenced = limits.referencedFiles ?? AUDIT_LIMITS.referencedFiles;
  const audit = new Audit();
  let capped = false;

  const location = path.resolve(store.location);
  if (fs.existsSync(location)) {
    audit.check(path.dirname(location));
    for (const suffix of ['', '-wal', '-shm', '-journal']) audit.check(location + suffix);
  }

  const data = store.dataFolder;
  if (data !== undefined && fs.existsSync(data)) {
    audit.check(data);
    capped = walk(data, maxEntries, (p) => audit.check(p)) || capped;
  }

  const referenced = await referencedPaths(store, maxReferenced + 1);
  if (referenced.length > maxReferenced) capped = true;
  for (const p of referenced.slice(0, maxReferenced)) {
    audit.check(path.dirname(p));
    audit.check(p, true);
  }
  return { checked: audit.checked, capped, findings: audit.findings };
}

/** Applies the rules to each path once. */
class Audit {
  readonly findings: PermissionFinding[] = [];
  readonly #seen = new Set<string>();
  readonly #modes = new Map<string, number | undefined>();
  checked = 0;

  /** Checks `p` (lstat, or stat when `follow`), skipping what is missing, a link in a walk, or seen. */
  check(p: string, follow = false): void {
    if (this.#seen.has(p)) return;
    this.#seen.add(p);
    let st: fs.Stats;
    try {
      st = follow ? fs.statSync(p) : fs.lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    this.checked++;
    const folder = st.isDirectory();
    if ((st.mode & O_WRITE) !== 0 && !(folder && (st.mode & STICKY) !== 0)) {
      this.findings.push(
        folder
          ? { path: p, problem: 'world-writable-folder', message: `${p} is a world-writable folder without the sticky bit: anyone may delete, rename or replace what it holds`, fix: `chmod o-w ${quote(p)}` }
          : { path: p, problem: 'world-writable', message: `${p} is world-writable: anyone may change it`, fix: `chmod o-w ${quote(p)}` },
      );
    }
    const parent = path.dirname(p);
    const parentMode = this.#mode(parent);
    if ((st.mode & O_READ) !== 0 && parentMode !== undefined && (parentMode & O_READ) === 0 && parent !== p) {
      this.findings.push({
        path: p,
        problem: 'world-readable-in-private-folder',
        message: `${p} is world-readable in ${parent}, a folder others may not read: the folder's privacy is a false promise (anyone who knows the name may read it)`,
        fix: `chmod o-r ${quote(p)}`,
      });
    }
  }

  #mode(folder: string): number | undefined {
    if (!this.#modes.has(folder)) {
      let mode: number | undefined;
      try {
        mode = fs.statSync(folder).mode;
      } catch {
        mode = undefined;
      }
      this.#modes.set(folder, mode);
    }
    return this.#modes.get(folder);
  }
}

/** Visits the entries under `root` breadth first, at most `max`; returns whether it stopped early. */
function walk(root: string, max: number, visit: (p: string) => void): boolean {
  const queue = [root];
  let count = 0;
  while (queue.length > 0) {
    const folder = queue.shift()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (count >= max) return true;
      count++;
      const p = path.join(folder, e.name);
      visit(p);
      if (e.isDirectory()) queue.push(p);
    }
  }
  return false;
}

/** Up to `max` distinct absolute paths named by the store's rows: `FILE…` columns and the file index's `file_origin`; URLs left out. */
async function referencedPaths(store: Store, max: number): Promise<string[]> {
  const out = new Set<string>();
  for (const table of await store.tables()) {
    const columns = (await store.describe(table)).columns.map((c) => c.name).filter((c) => /^file/i.test(c) && (/^FILE/.test(c) || (table.toLowerCase() === 'filesystem' && c === 'file_origin')));
    for (const column of columns) {
      if (out.size >= max) return [...out];
      const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
      const rows = await store.query(`SELECT DISTINCT ${q(column)} AS p FROM ${q(table)} WHERE ${q(column)} IS NOT NULL LIMIT ${max - out.size}`);
      for (const r of rows) {
        const value = String(r['p']);
        if (value === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
        out.add(path.resolve(store.fileRoot, value));
      }
    }
  }
  return [...out].slice(0, max);
}

/** `p` as one shell word. */
function quote(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replaceAll("'", "'\\''")}'`;
}
