import type { Command } from 'commander';
import { withStore } from '../context.js';
import { wholeNumber } from '../number-options.js';
import { printJson, printRows } from '../output.js';

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run read-only SQL (writes are refused; use update)')
    .argument('<sql>', 'one SQL statement')
    .option('-n, --limit <n>', 'print at most n rows (n ≥ 1)', wholeNumber(1))
    .option('--json', 'print rows as a JSON array of objects')
    .action(async (sql: string, opts: { limit?: number; json?: boolean }, cmd: Command) => {
      const rows = await withStore(cmd, (store) => store.query(sql), { readOnly: true });
      const shown = opts.limit === undefined ? rows : rows.slice(0, opts.limit);
      if (opts.json) printJson(shown);
      else printRows(shown, undefined, { total: rows.length, more: 'a larger --limit shows more' });
    });
}
