import type { Command } from 'commander';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description('per column: type, unique values, min, max, mean, population std dev, primary key')
    .option('--table <name>', 'only this table')
    .option('--json', 'print one object per column as JSON')
    .action(async (opts: { table?: string; json?: boolean }, cmd: Command) => {
      const rows = await withStore(cmd, (store) => store.summary(opts.table ? { table: opts.table } : {}), { readOnly: true });
      if (opts.json) {
        printJson(rows);
        return;
      }
      // As Python DSI prints it: a primary key column is marked with `*`.
      printRows(
        rows.map((r) => ({ ...r, column: r.primary_key ? `${r.column}*` : r.column, primary_key: undefined as never })),
        ['table', 'column', 'type', 'unique', 'min', 'max', 'avg', 'std_dev'],
      );
    });
}
