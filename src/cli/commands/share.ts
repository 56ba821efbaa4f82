/**
 * `dsi share`: share a PostgreSQL store with a group, the database enforcing file permissions
 * on every row (row-level security; src/backends/postgres/row-security.ts, docs/backends.md).
 *
 *   dsi --db URL share --role ana --account ana [--create-role]   let role ana read as account ana
 *   dsi --db URL share --refresh                                  re-snapshot every file's permissions
 *   dsi --db URL share --status [--json]                          accounts, tables, files without a snapshot
 *
 * Run by the store's owner, on a machine that sees the store's files and accounts. The backend's
 * code loads only when the command runs, so `pg` stays unloaded for every other verb.
 */
import type { Command } from 'commander';
import { StoreError } from '../../errors.js';
import { postgresSharing } from '../../index.js';
import { globalOptions } from '../context.js';
import { printJson } from '../output.js';

interface ShareOptions {
  readonly role?: string;
  readonly account?: string;
  readonly createRole?: boolean;
  readonly refresh?: boolean;
  readonly status?: boolean;
  readonly json?: boolean;
}

export function registerShare(program: Command): void {
  program
    .command('share')
    .description('share a PostgreSQL store with a group: each database role reads only rows whose files its system account may read')
    .option('--role <role>', 'the database role to let read the store (with --account)')
    .option('--account <account>', 'the system account whose file permissions that role reads with')
    .option('--create-role', 'create the role (LOGIN, no password) when the database has none of that name')
    .option('--refresh', "re-snapshot the permissions of every file the store references (after chmod, chown or setfacl)")
    .option('--status', 'print the accounts, the protected tables and the files without a snapshot')
    .option('--json', 'print the result as JSON')
    .action(async (opts: ShareOptions, cmd: Command) => {
      const g = globalOptions(cmd);
      if (g.backend !== 'postgres') throw new StoreError('E_BAD_ARGUMENT', `share works on a PostgreSQL store (--db postgres://…); ${g.db} is a ${g.backend} store, whose files' permissions hold by themselves`);
      const modes = [opts.role !== undefined || opts.account !== undefined, opts.refresh === true, opts.status === true].filter(Boolean).length;
      if (modes !== 1) throw new StoreError('E_BAD_ARGUMENT', 'share: give --role with --account, or --refresh, or --status');
      const sharing = await postgresSharing();
      if (opts.status) {
        const status = await sharing.sharedStoreStatus(g.db);
        if (opts.json) return printJson(status);
        if (!status.shared) return void process.stdout.write('not shared: no role reads this store through row-level security\n');
        const lines = [`shared through group role ${status.groupRole}`];
        for (const a of status.accounts) lines.push(`account: role ${a.role} reads as ${a.account} (uid ${a.uid}, groups ${a.gids.join(' ')})`);
        for (const t of status.tables) {
          const what = t.fileColumns.length === 0 ? 'no file columns' : `${t.protected ? 'protected' : 'NOT protected'} on ${t.fileColumns.join(', ')}`;
          lines.push(`table: ${t.table}: ${what}${t.granted ? '' : ', not granted to the group'}`);
        }
        lines.push(`files with a snapshot: ${status.snapshots}${status.oldestSnapshot === null ? '' : ` (oldest taken ${status.oldestSnapshot})`}`);
        lines.push(`files without a snapshot: ${status.withoutSnapshot}${status.withoutSnapshot > 0 ? ' (their rows are withheld from every member; `dsi share --refresh` where the files are visible)' : ''}`);
        return void process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (opts.refresh) {
        const r = await sharing.refreshSharedStore(g.db, process.cwd());
        if (opts.json) return printJson(r);
        process.stdout.write(`snapshotted ${r.snapshotted} file(s); ${r.unreadable.length} unreadable here (withheld from members); ${r.dropped} snapshot(s) no longer referenced dropped\n`);
        return;
      }
      if (opts.role === undefined || opts.account === undefined) throw new StoreError('E_BAD_ARGUMENT', 'share: --role and --account go together');
      const r = await sharing.shareStore(g.db, { role: opts.role, account: opts.account, createRole: opts.createRole === true, fileRoot: process.cwd() });
      if (opts.json) return printJson(r);
      const a = r.account!;
      const protectedCount = r.tables.filter((t) => t.fileColumns.length > 0).length;
      process.stdout.write(`role ${a.role} reads as ${a.account} (uid ${a.uid}, groups ${a.gids.join(' ')}); ${protectedCount} table(s) with files protected, ${r.tables.length} granted; ${r.refresh.snapshotted} file(s) snapshotted\n`);
    });
}
