/**
 * Snapshots of files' permissions, taken by a client that can see the files, for a PostgreSQL
 * server that usually cannot: owner, group, mode bits and POSIX ACL of each file a store's rows
 * reference, and of every folder on the way to it (reading a file needs search permission on
 * each of them). `row-security.ts` stores the snapshots and evaluates them in SQL.
 *
 * What it guarantees:
 * - a path where nothing exists is recorded as {@link ABSENT} with the folders on the way that
 *   do exist: it protects nothing, for an account that may search them (as the store's own
 *   `FileAccess` answers);
 * - a path the client cannot stat for another reason (a folder on the way it may not search)
 *   has no snapshot, so nobody but the store's owner sees its rows (fail closed);
 * - the folders recorded for a file are those of its path as written and those of its real path
 *   (symlinks resolved): the kernel searches both on the way, so both must allow it;
 * - ACLs come from Debian's `getfacl` (package `acl`), a batch of paths per call; where it is not
 *   installed, or a filesystem has no ACLs, the mode bits alone are recorded (then an ACL grant
 *   is not honoured, and an ACL whose owning-group entry is narrower than its mask is read as
 *   the mask: see docs/backends.md).
 *
 * @example
 * const modes = readFileModes(['/data/run1/a.png']);
 * // Map { '/data/run1/a.png' => { uid: 1001, gid: 1001, mode: 0o640, acl: null, folders: ['/', '/data', '/data/run1'] } }
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** One file's or folder's permissions as the kernel would check them. */
export interface PermissionSnapshot {
  readonly uid: number;
  readonly gid: number;
  /** The permission bits (`mode & 0o777`), or {@link ABSENT} where nothing exists. */
  readonly mode: number;
  /**
   * The extended POSIX ACL as `getfacl -n` prints it, entries joined by `,`
   * (`user::rw-,user:1002:r--,group::r--,mask::r--,other::---`); null when the file has none.
   */
  readonly acl: string | null;
}

/** A file's snapshot with the folders the kernel searches on the way to it (absolute paths, `/` first). */
export interface FileSnapshot extends PermissionSnapshot {
  readonly folders: readonly string[];
}

/** Bytes of paths per `getfacl` call: well under the kernel's argument limit (2 MiB on Linux). */
const GETFACL_BATCH_BYTES = 256 * 1024;

/** The folders from `/` down to the one holding `file` (absolute, normalised). */
export function foldersOf(file: string): string[] {
  const out: string[] = [];
  for (let d = path.dirname(file); ; d = path.dirname(d)) {
    out.push(d);
    if (d === path.dirname(d)) break;
  }
  return out.reverse();
}

/** `getfacl`'s escapes (`\\`, `\ooo`) undone. */
function unescapeGetfacl(text: string): string {
  return text.replace(/\\(\\|[0-7]{3})/g, (_m, e: string) => (e === '\\' ? '\\' : String.fromCharCode(parseInt(e, 8))));
}

/**
 * The ACL entries `getfacl -n --absolute-names -p` printed, per file; only files with more than
 * the three base entries (an extended ACL) are in the map.
 */
export function parseGetfacl(output: string): Map<string, string> {
  const acls = new Map<string, string>();
  let file: string | undefined;
  let entries: string[] = [];
  const flush = () => {
    if (file !== undefined && entries.length > 3) acls.set(file, entries.join(','));
    file = undefined;
    entries = [];
  };
  for (const line of output.split('\n')) {
    if (line.startsWith('# file: ')) {
      flush();
      file = unescapeGetfacl(line.slice('# file: '.length));
    } else if (line.startsWith('#') || line.trim() === '') {
      if (line.trim() === '') flush();
    } else if (file !== undefined && /^(user|group|mask|other):/.test(line)) {
      // Only the effective part: `group:x:rwx  #effective:r--` keeps `group:x:rwx`.
      entries.push(line.split(/\s+/)[0]!);
    }
    // `default:` entries (a folder's ACL for new files) do not decide access: skipped.
  }
  flush();
  return acls;
}

let getfaclMissing: boolean | undefined;

/** The extended ACLs of `paths` (absolute), or an empty map where `getfacl` is not installed. */
export function readAcls(paths: readonly string[]): Map<string, string> {
  const acls = new Map<string, string>();
  if (paths.length === 0 || getfaclMissing === true) return acls;
  for (let i = 0; i < paths.length; ) {
    let end = i;
    for (let bytes = 0; end < paths.length && (end === i || bytes + paths[end]!.length < GETFACL_BATCH_BYTES); end++) bytes += Buffer.byteLength(paths[end]!) + 1;
    const batch = paths.slice(i, end);
    i = end;
    // `--` keeps a path starting with `-` a path; missing files are reported on stderr and skipped.
    const run = spawnSync('getfacl', ['-n', '--absolute-names', '-p', '--', ...batch], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (run.error !== undefined) {
      getfaclMissing = true;
      return acls;
    }
    for (const [file, acl] of parseGetfacl(run.stdout)) acls.set(file, acl);
  }
  return acls;
}

/**
 * The mode recorded for a path where nothing exists: it protects nothing, so an account that may
 * search every folder on the way reads its rows (the kernel would say "no such file", not
 * "permission denied"), as the store's own `FileAccess` answers.
 */
export const ABSENT = -1;

/**
 * For a path `lstat` refused with `error`: when nothing exists there (ENOENT, ENOTDIR), the
 * folders that exist on the way (those the kernel searches before it finds nothing), real paths
 * included; undefined otherwise (a folder the client may not search: no snapshot, fail closed).
 */
function absentChain(file: string, error: unknown): string[] | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
  const existing: string[] = [];
  for (const folder of [...foldersOf(file), file]) {
    let st: fs.Stats;
    try {
      st = fs.statSync(folder);
    } catch (e) {
      const c = (e as { code?: unknown } | null)?.code;
      if (c === 'ENOENT' || c === 'ENOTDIR') break;
      return undefined;
    }
    if (!st.isDirectory()) break;
    existing.push(folder);
  }
  const deepest = existing.at(-1);
  if (deepest === undefined) return undefined;
  let real: string;
  try {
    real = fs.realpathSync.native(deepest);
  } catch {
    return undefined;
  }
  return [...new Set([...existing, ...foldersOf(real), real])];
}

function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Snapshots of `files` (absolute paths) and of every folder on the way to them. A file that
 * cannot be stat-ed, or one of whose folders cannot, is left out of `files` (fail closed).
 */
export function readFileModes(files: readonly string[]): { files: Map<string, FileSnapshot>; folders: Map<string, PermissionSnapshot> } {
  const chains = new Map<string, string[]>();
  /** Files where nothing exists, with the folders the kernel searches before it says so. */
  const absentFiles = new Map<string, string[]>();
  /** Folder chains by (folder, real folder): null where a folder cannot be stat-ed. */
  const chainOf = new Map<string, string[] | null>();
  const stats = new Map<string, fs.Stats>();
  const folderStats = new Map<string, fs.Stats | undefined>();
  // Real paths per folder (a file's is its folder's plus its name, unless it is a symlink).
  const realFolders = new Map<string, string | undefined>();
  const realFolder = (folder: string): string | undefined => {
    if (!realFolders.has(folder)) {
      try {
        realFolders.set(folder, fs.realpathSync.native(folder));
      } catch {
        realFolders.set(folder, undefined);
      }
    }
    return realFolders.get(folder);
  };
  for (const file of files) {
    let st: fs.Stats | undefined;
    let real: string | undefined;
    try {
      st = fs.lstatSync(file);
      if (st.isSymbolicLink()) {
        real = fs.realpathSync.native(file);
        st = fs.statSync(real);
      } else {
        const folder = realFolder(path.dirname(file));
        real = folder === undefined ? undefined : path.join(folder, path.basename(file));
      }
    } catch (e) {
      const absent = absentChain(file, e);
      if (absent !== undefined) {
        for (const f of absent) if (!folderStats.has(f)) folderStats.set(f, statOf(f));
        if (absent.every((f) => folderStats.get(f) !== undefined)) absentFiles.set(file, absent);
      }
      continue;
    }
    if (real === undefined) continue;
    const key = `${path.dirname(file)}\0${path.dirname(real)}`;
    let chain = chainOf.get(key);
    if (chain === undefined) {
      chain = [...new Set([...foldersOf(file), ...foldersOf(real)])];
      for (const f of chain) if (!folderStats.has(f)) folderStats.set(f, statOf(f));
      if (chain.some((f) => folderStats.get(f) === undefined)) chain = null;
      chainOf.set(key, chain);
    }
    if (chain === null) continue;
    stats.set(file, st);
    chains.set(file, chain);
  }
  const folderList = [...folderStats].filter(([, st]) => st !== undefined).map(([f]) => f);
  const acls = readAcls([...stats.keys(), ...folderList]);
  const snapshot = (p: string, st: fs.Stats): PermissionSnapshot => ({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777, acl: acls.get(p) ?? null });
  const out = new Map<string, FileSnapshot>();
  for (const [file, st] of stats) out.set(file, { ...snapshot(file, st), folders: chains.get(file)! });
  for (const [file, chain] of absentFiles) out.set(file, { uid: 0, gid: 0, mode: ABSENT, acl: null, folders: chain });
  const folders = new Map<string, PermissionSnapshot>();
  for (const f of folderList) folders.set(f, snapshot(f, folderStats.get(f)!));
  return { files: out, folders };
}

/** The uid and every gid (primary first, then supplementary) of system account `name`, from `id`. */
export function accountIds(name: string): { uid: number; gids: number[] } | undefined {
  const uid = spawnSync('id', ['-u', '--', name], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-G', '--', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gids.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gids: gids.stdout.trim().split(/\s+/).map(Number) };
}
