import type { Command } from 'commander';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('tables with their column and row counts')
    .option('--json', 'print [{table, columns, rows}] as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const tables = await withStore(cmd, (store) => store.list(), { readOnly: true });
      if (opts.json) printJson(tables);
      else printRows(tables, ['table', 'columns', 'rows']);
    });
}
