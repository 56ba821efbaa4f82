/**
 * `dsi [--db S] [--backend B] process --to LOCATION [--to-backend B] [--replace] [--json]`: copy
 * the whole store into another store, on any backend (Python DSI's `process`): a SQLite file into
 * a PostgreSQL schema a group shares, or back. All or nothing on the target; the source is only
 * read. (`--backend` is the global option naming the source's backend, hence `--to-backend`.)
 */
import type { Command } from 'commander';
import { backendForLocation, openStore } from '../../index.js';
import { StoreError } from '../../errors.js';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';

export function registerProcess(program: Command): void {
  program
    .command('process')
    .description('copy the whole store (tables, keys, units, relations, runs) into another store, on any backend')
    .requiredOption('--to <location>', 'the target store: a file, or postgres://user@host:port/database?schema=NAME')
    .option('--to-backend <name>', "the target's backend (default: the one --to implies; sqlite for a file)")
    .option('--replace', 'replace the tables the target already has (without it a target with tables is refused)')
    .option('--json', 'print {from, to, tables: [{table, rows}]} as JSON')
    .action(async (opts: { to: string; toBackend?: string; replace?: boolean; json?: boolean }, cmd: Command) => {
      if (opts.to === '') throw new StoreError('E_BAD_ARGUMENT', '--to must name the target store');
      const result = await withStore(
        cmd,
        async (source) => {
          const target = await openStore(opts.to, { backend: opts.toBackend ?? backendForLocation(opts.to) });
          try {
            return { from: source.location, to: target.location, ...(await source.copyTo(target, { replace: opts.replace ?? false })) };
          } finally {
            await target.close();
          }
        },
        { readOnly: true },
      );
      if (opts.json) {
        printJson(result);
        return;
      }
      const rows = result.tables.reduce((n, t) => n + t.rows, 0);
      printRows([...result.tables], ['table', 'rows']);
      process.stdout.write(`copied ${result.tables.length} table${result.tables.length === 1 ? '' : 's'} (${rows} row${rows === 1 ? '' : 's'}) from ${result.from} to ${result.to}\n`);
    });
}
