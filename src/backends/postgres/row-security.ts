/**
 * A PostgreSQL store shared by a group, with the database itself enforcing DSI's rule: a member
 * sees a row only when the system account the member's database role stands for may read every
 * file the row references. It holds for any client, `psql` included, because PostgreSQL's
 * row-level security applies it, not the client.
 *
 * What a shared store holds, in its own schema (none of it granted to members):
 * - `dsi_file_modes`: per `FILE…` value (as stored), the snapshot of the file's owner, group,
 *   mode and ACL (file-modes.ts), and the folders on the way to it;
 * - `dsi_folder_modes`: the same for those folders (search permission);
 * - `dsi_accounts`: which system account (uid, gids) a database role stands for;
 * - `dsi_readable_paths(role)`: every snapshotted path the role's account may read by POSIX's
 *   rules (owner class, then named users, then owning and named groups within the mask, then
 *   other; uid 0 reads all; as Linux, an ACL whose mask is empty is not consulted), every folder
 *   on the way searchable; empty for a role the session may not act as. One set per query: a
 *   policy probes it per row instead of calling a function per row (70,000 rows: 0.4 s, against
 *   over 500 s with a per-row function);
 * - `dsi_may_read(path)`: the same for one path and `current_user`; NULL, empty and URLs
 *   reference nothing (true); a path without a snapshot is false (fail closed);
 * - on every user table with `FILE…` columns (and the file index's `file_origin`): row-level
 *   security with one SELECT policy `dsi_file_read`: per file column, no file or a path in the
 *   caller's readable set;
 * - a group role (`SCHEMA_readers`) with USAGE on the schema and SELECT on its user tables;
 *   members are granted it.
 *
 * The store's owner ingests and is not subject to the policy (no FORCE): it must see every row
 * to keep keys and row indices right. {@link secureOnCommit} runs inside each write transaction
 * of a shared store, so new tables are protected and new files snapshotted in the same commit
 * as the rows: no reader ever sees a row before its policy exists.
 *
 * @example
 * await enableSharing(sql, 'wildfire');
 * await grantAccount(sql, 'wildfire', { role: 'ana', account: 'ana', createRole: false });
 * await refreshSnapshots(sql, 'wildfire', process.cwd(), { all: true });
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { StoreError } from '../../errors.js';
import { isFileColumn, isUrl } from '../../file-columns.js';
import { FILE_INDEX_TABLE } from '../../store/reserved-tables.js';
import { ABSENT, accountIds, readFileModes } from './file-modes.js';
import { postgresDialect } from './postgres-dialect.js';

const q = postgresDialect.quote;

/** Runs one statement with `$n` parameters; rows as arrays. */
export type Sql = (text: string, values?: readonly unknown[]) => Promise<{ readonly rows: readonly (readonly unknown[])[] }>;

/** The sharing tables: never listed as the store's tables, never granted to members. */
export const SHARING_TABLES: readonly string[] = ['dsi_file_modes', 'dsi_folder_modes', 'dsi_accounts'];
/** The SELECT policy's name on each protected table. */
export const POLICY = 'dsi_file_read';
/** Rows per statement when writing snapshots. */
const BATCH = 2000;

/** The group role members of `schema`'s store get: `SCHEMA_readers`, or a hashed name where that is too long. */
export function groupRoleOf(schema: string): string {
  const name = `${schema}_readers`;
  if (Buffer.byteLength(name) <= 63) return name;
  return `dsi_readers_${crypto.createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/** Whether `schema`'s store is shared (its sharing tables exist). */
export async function sharingEnabled(sql: Sql, schema: string): Promise<boolean> {
  const r = await sql("SELECT to_regclass(format('%I.dsi_file_modes', $1::text)) IS NOT NULL", [schema]);
  return r.rows[0]?.[0] === 1 || r.rows[0]?.[0] === true;
}

async function roleExists(sql: Sql, role: string): Promise<boolean> {
  return (await sql('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rows.length > 0;
}

/** Runs `text`, turning a refused privilege into one line saying what the store's owner lacks. */
async function privileged(sql: Sql, text: string, what: string): Promise<void> {
  try {
    await sql(text);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === '42501') throw new StoreError('E_BACKEND', `sharing the store needs the right to ${what}: ${(e as Error).message}`, { cause: e });
    throw e;
  }
}

/**
 * SQL for "the account in `a` may `want` (4 read, 1 search) the snapshot row `row`": the mode
 * bits inline (most files have no ACL), `dsi_posix_allows` only for a file with an ACL.
 */
function allows(row: string, want: 4 | 1, s: string): string {
  const r = (c: string) => `${row}.${c}`;
  const bits = `CASE WHEN a.uid = 0 THEN true WHEN a.uid = ${r('uid')} THEN ((${r('mode')} >> 6) & ${want}) = ${want} WHEN ${r('gid')} = ANY (a.gids) THEN ((${r('mode')} >> 3) & ${want}) = ${want} ELSE (${r('mode')} & ${want}) = ${want} END`;
  return `(CASE WHEN ${r('acl')} IS NULL OR (${r('mode')} & 56) = 0 THEN ${bits} ELSE ${s}.dsi_posix_allows(${r('uid')}, ${r('gid')}, ${r('mode')}, ${r('acl')}, a.uid, a.gids, ${want}) END)`;
}

/** SQL for "text `expr` references no file": NULL, empty, or a URL. */
function referencesNothing(expr: string): string {
  return `(${expr} IS NULL OR ${expr} = '' OR ${expr} ~* '^https?://')`;
}

/**
 * The policy's term for one file column: no file, or a path in the caller's readable set (an
 * uncorrelated subquery: PostgreSQL computes it once per query and probes a hash per row).
 */
function policyTerm(schema: string, column: string): string {
  const c = `${q(column)}::text`;
  return `(${referencesNothing(c)} OR ${c} IN (SELECT ${q(schema)}.dsi_readable_paths(current_user::text)))`;
}

/**
 * Make `schema`'s store shareable (idempotent): the sharing tables, the functions, the group
 * role (created when missing: the store's owner then needs CREATEROLE) with USAGE on the schema
 * and EXECUTE on `dsi_may_read`. Run by the store's owner, inside a transaction.
 */
export async function enableSharing(sql: Sql, schema: string): Promise<void> {
  const s = q(schema);
  const group = groupRoleOf(schema);
  await sql(`CREATE TABLE IF NOT EXISTS ${s}.dsi_file_modes (
    path TEXT PRIMARY KEY, uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL, acl TEXT,
    folders TEXT[] NOT NULL, checked_at TEXT NOT NULL)`);
  await sql(`CREATE TABLE IF NOT EXISTS ${s}.dsi_folder_modes (
    path TEXT PRIMARY KEY, uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL, acl TEXT, checked_at TEXT NOT NULL)`);
  await sql(`CREATE TABLE IF NOT EXISTS ${s}.dsi_accounts (
    role TEXT PRIMARY KEY, account TEXT NOT NULL, uid INTEGER NOT NULL, gids INTEGER[] NOT NULL)`);
  for (const t of SHARING_TABLES) await sql(`REVOKE ALL ON ${s}.${q(t)} FROM PUBLIC`);

  // POSIX's access check for one file and one account; `want` is 4 (read) or 1 (search).
  await sql(`CREATE OR REPLACE FUNCTION ${s}.dsi_posix_allows(f_uid integer, f_gid integer, f_mode integer, f_acl text, who_uid integer, who_gids integer[], want integer)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  entry text; parts text[]; perm integer; mask integer := 7; named integer; group_perms integer[] := '{}'; matched boolean := false;
BEGIN
  IF who_uid = 0 THEN RETURN true; END IF;
  IF who_uid = f_uid THEN RETURN ((f_mode >> 6) & want) = want; END IF;
  -- As Linux does: the ACL is consulted only when the group bits (the mask) are not all clear.
  IF f_acl IS NULL OR f_acl = '' OR (f_mode & 56) = 0 THEN
    IF f_gid = ANY (who_gids) THEN RETURN ((f_mode >> 3) & want) = want; END IF;
    RETURN (f_mode & want) = want;
  END IF;
  FOREACH entry IN ARRAY string_to_array(f_acl, ',') LOOP
    parts := string_to_array(entry, ':');
    perm := (CASE WHEN strpos(parts[3], 'r') > 0 THEN 4 ELSE 0 END)
          + (CASE WHEN strpos(parts[3], 'w') > 0 THEN 2 ELSE 0 END)
          + (CASE WHEN strpos(parts[3], 'x') > 0 THEN 1 ELSE 0 END);
    IF parts[1] = 'mask' THEN
      mask := perm;
    ELSIF parts[1] = 'user' AND parts[2] <> '' AND parts[2]::integer = who_uid THEN
      named := perm;
    ELSIF parts[1] = 'group' AND ((parts[2] = '' AND f_gid = ANY (who_gids)) OR (parts[2] <> '' AND parts[2]::integer = ANY (who_gids))) THEN
      matched := true;
      group_perms := group_perms || perm;
    END IF;
  END LOOP;
  IF named IS NOT NULL THEN RETURN (named & mask & want) = want; END IF;
  IF matched THEN RETURN EXISTS (SELECT 1 FROM unnest(group_perms) AS g WHERE (g & mask & want) = want); END IF;
  RETURN (f_mode & want) = want;
END $fn$`);

  // Every snapshotted path `who`'s account may read, computed as one set (a query then probes a
  // hash of it instead of calling a function per row). A file is out when a folder on its way is
  // closed to the account; every folder of a file is snapshotted with it (refreshSnapshots). The owner's rights, to read the
  // snapshots; `who` must be a role the session may act as, else the set is empty. Inside a
  // SECURITY DEFINER function current_user is the owner, so the caller names the invoker.
  await sql(`DROP FUNCTION IF EXISTS ${s}.dsi_may_read_as(text, name)`);
  await sql(`CREATE OR REPLACE FUNCTION ${s}.dsi_readable_paths(who text)
RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER ROWS 10000 SET search_path = pg_catalog, pg_temp AS $fn$
  WITH acct AS (
    SELECT a.uid, a.gids FROM ${s}.dsi_accounts a
     WHERE a.role = who AND EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = who AND pg_has_role(session_user, r.oid, 'MEMBER'))
  ), closed AS (
    SELECT coalesce(array_agg(d.path), '{}') AS paths FROM ${s}.dsi_folder_modes d, acct a WHERE NOT ${allows('d', 1, s)}
  )
  SELECT m.path FROM ${s}.dsi_file_modes m, acct a, closed c
   WHERE (m.mode = ${ABSENT} OR ${allows('m', 4, s)}) AND NOT (m.folders && c.paths)
$fn$`);

  // One path, by the same set: for checks and tests; the policies use the set directly.
  await sql(`CREATE OR REPLACE FUNCTION ${s}.dsi_may_read(p text)
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT ${referencesNothing('p')} OR p IN (SELECT ${s}.dsi_readable_paths(current_user::text))
$fn$`);

  if (!(await roleExists(sql, group))) await privileged(sql, `CREATE ROLE ${q(group)} NOLOGIN`, `create the group role ${group} (CREATEROLE)`);
  await sql(`GRANT USAGE ON SCHEMA ${s} TO ${q(group)}`);
  for (const f of ['dsi_posix_allows(integer, integer, integer, text, integer, integer[], integer)', 'dsi_readable_paths(text)', 'dsi_may_read(text)']) {
    await sql(`REVOKE ALL ON FUNCTION ${s}.${f} FROM PUBLIC`);
  }
  await sql(`GRANT EXECUTE ON FUNCTION ${s}.dsi_readable_paths(text), ${s}.dsi_may_read(text) TO ${q(group)}`);
}

/** A user table of the store with the columns that hold paths. */
export interface ProtectedTable {
  readonly table: string;
  readonly fileColumns: readonly string[];
  /** Row-level security is on and the policy covers exactly `fileColumns`. */
  readonly protected: boolean;
  /** The group role may SELECT it. */
  readonly granted: boolean;
}

/** The file columns of `table` among `columns`: `FILE…`, and the file index's `file_origin`. */
export function fileColumnsOf(table: string, columns: readonly string[]): string[] {
  return columns.filter((c) => isFileColumn(c) || (table.toLowerCase() === FILE_INDEX_TABLE && c.toLowerCase() === 'file_origin'));
}

/** The store's user tables, their file columns and whether each is protected and granted. */
export async function protectedTables(sql: Sql, schema: string): Promise<ProtectedTable[]> {
  const group = groupRoleOf(schema);
  const hasGroup = await roleExists(sql, group);
  const r = await sql(
    `SELECT c.relname, c.relrowsecurity,
            (SELECT obj_description(p.oid, 'pg_policy') FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $2),
            CASE WHEN $3::boolean THEN has_table_privilege($4::text, c.oid, 'SELECT') ELSE false END,
            (SELECT json_agg(a.attname ORDER BY a.attnum)::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.oid`,
    [schema, POLICY, hasGroup, group],
  );
  const out: ProtectedTable[] = [];
  for (const row of r.rows) {
    const table = String(row[0]);
    if (SHARING_TABLES.includes(table) || /^(pg_|sqlite_)/i.test(table)) continue;
    const fileColumns = fileColumnsOf(table, JSON.parse(String(row[4] ?? '[]')) as string[]);
    const rls = row[1] === 1 || row[1] === true;
    const covered = rls && row[2] === policySignature(fileColumns);
    out.push({ table, fileColumns, protected: fileColumns.length === 0 || covered, granted: row[3] === 1 || row[3] === true });
  }
  return out;
}

/** What the policy's comment records: the columns it covers, to tell when it must be rebuilt. */
function policySignature(columns: readonly string[]): string {
  return `dsi 2: ${JSON.stringify(columns)}`;
}

/**
 * Protect every user table of `schema` that needs it: row-level security and the policy over its
 * file columns (rebuilt when they changed), and SELECT for the group role. Tables already right
 * are not touched (no lock taken on them).
 */
export async function protectTables(sql: Sql, schema: string): Promise<ProtectedTable[]> {
  const s = q(schema);
  const group = q(groupRoleOf(schema));
  const tables = await protectedTables(sql, schema);
  for (const t of tables) {
    const name = `${s}.${q(t.table)}`;
    if (!t.protected) {
      await sql(`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY`);
      await sql(`DROP POLICY IF EXISTS ${q(POLICY)} ON ${name}`);
      const using = t.fileColumns.map((c) => policyTerm(schema, c)).join(' AND ');
      await sql(`CREATE POLICY ${q(POLICY)} ON ${name} FOR SELECT TO PUBLIC USING (${using})`);
      await sql(`COMMENT ON POLICY ${q(POLICY)} ON ${name} IS ${literal(policySignature(t.fileColumns))}`);
    }
    if (!t.granted) await sql(`GRANT SELECT ON ${name} TO ${group}`);
  }
  return tables.map((t) => ({ ...t, protected: true, granted: true }));
}

/** `text` as a SQL string literal (COMMENT takes no parameters). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Every distinct `FILE…` value of the protected tables (paths only: no URL, no empty value). */
async function referencedPaths(sql: Sql, schema: string, tables: readonly ProtectedTable[], onlyMissing: boolean): Promise<string[]> {
  const s = q(schema);
  const found = new Set<string>();
  for (const t of tables) {
    for (const c of t.fileColumns) {
      const col = `${q(c)}::text`;
      const missing = onlyMissing ? `AND NOT EXISTS (SELECT 1 FROM ${s}.dsi_file_modes m WHERE m.path = ${col})` : '';
      const r = await sql(`SELECT DISTINCT ${col} FROM ${s}.${q(t.table)} WHERE ${q(c)} IS NOT NULL ${missing}`);
      for (const row of r.rows) {
        const v = String(row[0]);
        if (v !== '' && !isUrl(v) && !v.includes('\0')) found.add(v);
      }
    }
  }
  return [...found];
}

/** What a refresh did. */
export interface RefreshResult {
  /** Paths (as stored) whose snapshot was written. */
  readonly snapshotted: number;
  /** Referenced paths that could not be stat-ed: no snapshot, rows withheld from members. */
  readonly unreadable: readonly string[];
  /** Snapshots dropped because no row references them any more (`all` only). */
  readonly dropped: number;
}

/**
 * Snapshot the files the store's rows reference: those without a snapshot, or every one with
 * `all` (a file whose permissions changed is seen only then). Relative values are relative to
 * `fileRoot`, as the store resolves them. A file that cannot be stat-ed loses its snapshot.
 */
export async function refreshSnapshots(sql: Sql, schema: string, fileRoot: string, options: { all: boolean }): Promise<RefreshResult> {
  const s = q(schema);
  const tables = (await protectedTables(sql, schema)).filter((t) => t.fileColumns.length > 0);
  const values = await referencedPaths(sql, schema, tables, !options.all);
  const absolute = new Map(values.map((v) => [v, path.resolve(fileRoot, v)]));
  const { files, folders } = readFileModes([...new Set(absolute.values())]);
  const now = new Date().toISOString();
  const fileRows: unknown[] = [];
  const unreadable: string[] = [];
  for (const [value, abs] of absolute) {
    const f = files.get(abs);
    if (f === undefined) unreadable.push(value);
    else fileRows.push({ path: value, uid: f.uid, gid: f.gid, mode: f.mode, acl: f.acl, folders: f.folders, checked_at: now });
  }
  const folderRows = [...folders].map(([p, f]) => ({ path: p, uid: f.uid, gid: f.gid, mode: f.mode, acl: f.acl, checked_at: now }));
  for (let i = 0; i < fileRows.length; i += BATCH) {
    await sql(
      `INSERT INTO ${s}.dsi_file_modes (path, uid, gid, mode, acl, folders, checked_at)
       SELECT r.path, r.uid, r.gid, r.mode, r.acl, ARRAY(SELECT jsonb_array_elements_text(r.folders)), r.checked_at
         FROM jsonb_to_recordset($1::jsonb) AS r(path text, uid integer, gid integer, mode integer, acl text, folders jsonb, checked_at text)
       ON CONFLICT (path) DO UPDATE SET uid = EXCLUDED.uid, gid = EXCLUDED.gid, mode = EXCLUDED.mode, acl = EXCLUDED.acl, folders = EXCLUDED.folders, checked_at = EXCLUDED.checked_at`,
      [JSON.stringify(fileRows.slice(i, i + BATCH))],
    );
  }
  for (let i = 0; i < folderRows.length; i += BATCH) {
    await sql(
      `INSERT INTO ${s}.dsi_folder_modes (path, uid, gid, mode, acl, checked_at)
       SELECT r.path, r.uid, r.gid, r.mode, r.acl, r.checked_at
         FROM jsonb_to_recordset($1::jsonb) AS r(path text, uid integer, gid integer, mode integer, acl text, checked_at text)
       ON CONFLICT (path) DO UPDATE SET uid = EXCLUDED.uid, gid = EXCLUDED.gid, mode = EXCLUDED.mode, acl = EXCLUDED.acl, checked_at = EXCLUDED.checked_at`,
      [JSON.stringify(folderRows.slice(i, i + BATCH))],
    );
  }
  if (unreadable.length > 0) await sql(`DELETE FROM ${s}.dsi_file_modes m USING unnest($1::text[]) AS k(path) WHERE m.path = k.path`, [unreadable]);
  let dropped = 0;
  if (options.all) {
    const out = new Set(unreadable);
    const keep = values.filter((v) => !out.has(v));
    // An anti-join, not `NOT (path = ANY (…))`, which compares each row with the whole list.
    const r = await sql(
      `WITH gone AS (DELETE FROM ${s}.dsi_file_modes m WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS k(path) WHERE k.path = m.path) RETURNING 1) SELECT count(*) FROM gone`,
      [keep],
    );
    dropped = Number(r.rows[0]?.[0] ?? 0);
    await sql(`DELETE FROM ${s}.dsi_folder_modes d WHERE NOT EXISTS (SELECT 1 FROM ${s}.dsi_file_modes m WHERE d.path = ANY (m.folders))`);
  }
  return { snapshotted: fileRows.length, unreadable, dropped };
}

/** A database role and the system account it stands for. */
export interface SharedAccount {
  readonly role: string;
  readonly account: string;
  readonly uid: number;
  readonly gids: readonly number[];
}

/**
 * Let database role `role` read the store as system account `account`: records its uid and
 * groups (from `id`, now), grants it the group role, and creates it (LOGIN, no password) first
 * when `createRole` is set.
 */
export async function grantAccount(sql: Sql, schema: string, options: { role: string; account: string; createRole: boolean }): Promise<SharedAccount> {
  const { role, account } = options;
  if (typeof role !== 'string' || role === '' || Buffer.byteLength(role) > 63) throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('role')} must be a database role name of 1–63 bytes, got "${String(role).slice(0, 80)}"`);
  const ids = typeof account === 'string' && account !== '' ? accountIds(account) : undefined;
  if (ids === undefined) throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('account')} must name a system account on this machine; "${String(account).slice(0, 80)}" is not one (\`id\` does not know it)`);
  if (!(await roleExists(sql, role))) {
    if (!options.createRole) throw new StoreError('E_BAD_ARGUMENT', (o) => `the database has no role "${role}"; create it first, or ask for it with ${o('createRole')}`);
    await privileged(sql, `CREATE ROLE ${q(role)} LOGIN`, `create the role ${role} (CREATEROLE)`);
  }
  await privileged(sql, `GRANT ${q(groupRoleOf(schema))} TO ${q(role)}`, `grant the group role ${groupRoleOf(schema)}`);
  await sql(
    `INSERT INTO ${q(schema)}.dsi_accounts (role, account, uid, gids) VALUES ($1, $2, $3, $4::integer[])
     ON CONFLICT (role) DO UPDATE SET account = EXCLUDED.account, uid = EXCLUDED.uid, gids = EXCLUDED.gids`,
    [role, account, ids.uid, ids.gids],
  );
  return { role, account, uid: ids.uid, gids: ids.gids };
}

/** What `dsi share --status` reports. */
export interface SharingStatus {
  readonly shared: boolean;
  readonly groupRole: string;
  readonly accounts: readonly SharedAccount[];
  readonly tables: readonly ProtectedTable[];
  /** Referenced paths without a snapshot (their rows are withheld from every member). */
  readonly withoutSnapshot: number;
  readonly snapshots: number;
  /** The oldest snapshot's time (ISO 8601), or null. */
  readonly oldestSnapshot: string | null;
}

/** The sharing state of `schema`'s store. */
export async function sharingStatus(sql: Sql, schema: string): Promise<SharingStatus> {
  const groupRole = groupRoleOf(schema);
  if (!(await sharingEnabled(sql, schema))) return { shared: false, groupRole, accounts: [], tables: [], withoutSnapshot: 0, snapshots: 0, oldestSnapshot: null };
  const s = q(schema);
  const accounts = (await sql(`SELECT role, account, uid, array_to_json(gids)::text FROM ${s}.dsi_accounts ORDER BY role`)).rows.map((r) => ({
    role: String(r[0]),
    account: String(r[1]),
    uid: Number(r[2]),
    gids: JSON.parse(String(r[3])) as number[],
  }));
  const tables = await protectedTables(sql, schema);
  const missing = await referencedPaths(sql, schema, tables.filter((t) => t.fileColumns.length > 0), true);
  const snap = (await sql(`SELECT count(*), min(checked_at) FROM ${s}.dsi_file_modes`)).rows[0] ?? [0, null];
  return { shared: true, groupRole, accounts, tables, withoutSnapshot: missing.length, snapshots: Number(snap[0]), oldestSnapshot: snap[1] === null ? null : String(snap[1]) };
}

/**
 * What a write transaction of a shared store runs before it commits: protect tables it created
 * or changed, and snapshot files its rows newly reference (relative to `fileRoot`). Nothing but
 * one catalog lookup when the store is not shared.
 */
export async function secureOnCommit(sql: Sql, schema: string, fileRoot: string): Promise<void> {
  if (!(await sharingEnabled(sql, schema))) return;
  await protectTables(sql, schema);
  await refreshSnapshots(sql, schema, fileRoot, { all: false });
}
