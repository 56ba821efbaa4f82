/**
 * `dsi summary [--table T] [--json]`: per-column statistics over the rows the caller may see;
 * `--json` prints `{rows, withheld}`, one row per column. Rows whose files the caller may not
 * read are left out of every figure and counted on stderr.
 */
import type { Command } from 'commander';
import { withStore } from '../context.js';
import { printJson, printRows, reportWithheld } from '../output.js';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description('per column: type, unique values, min, max, mean, population std dev, primary key')
    .option('--table <name>', 'only this table')
    .option('--json', 'print {rows, withheld} as JSON: one object per column, and how many rows were withheld')
    .action(async (opts: { table?: string; json?: boolean }, cmd: Command) => {
      const { rows, who } = await withStore(
        cmd,
        async (store) => ({ rows: await store.summary(opts.table ? { table: opts.table } : {}), who: store.fileAccess.who }),
        { readOnly: true },
      );
      reportWithheld(rows.withheld, who);
      if (opts.json) {
        printJson({ rows, withheld: rows.withheld ?? 0 });
        return;
      }
      // As Python DSI prints it: a primary key column is marked with `*`.
      printRows(
        rows.map((r) => ({ ...r, column: r.primary_key ? `${r.column}*` : r.column, primary_key: undefined as never })),
        ['table', 'column', 'type', 'unique', 'min', 'max', 'avg', 'std_dev'],
      );
    });
}
