/**
 * `dsi display TABLE [-n N] [--columns a,b] [--json]`: the first rows of a table, saying how many
 * it holds when it shows fewer (`showing 1 of 3 rows`); `--json` prints `{table, total, rows,
 * withheld}`. Rows whose files the caller may not read are left out of the rows and the total,
 * and counted on stderr.
 */
import type { Command } from 'commander';
import { withStore } from '../context.js';
import { nameList, wholeNumber } from '../number-options.js';
import { printJson, printRows, reportWithheld } from '../output.js';

export function registerDisplay(program: Command): void {
  program
    .command('display')
    .description('the first rows of a table')
    .argument('<table>')
    .option('-n, --rows <n>', 'rows to show (n ≥ 1)', wholeNumber(1), 25)
    .option('--columns <list>', 'comma-separated columns to show', nameList)
    .option('--json', 'print {table, total, rows, withheld} as JSON: the rows shown, how many the table holds, how many were withheld')
    .action(async (table: string, opts: { rows: number; columns?: string[]; json?: boolean }, cmd: Command) => {
      const columns = opts.columns;
      const { rows, info, total, who } = await withStore(
        cmd,
        async (store) => ({
          rows: await store.display(table, { limit: opts.rows, ...(columns ? { columns } : {}) }),
          info: await store.describe(table),
          total: await store.rowCount(table),
          who: store.fileAccess.who,
        }),
        { readOnly: true },
      );
      const withheld = rows.withheld ?? 0;
      reportWithheld(withheld, who);
      const visible = total - withheld;
      if (opts.json) printJson({ table: info.name, total: visible, rows, withheld });
      else printRows(rows, columns ?? info.columns.map((c) => c.name), { total: visible, more: `-n ${visible} shows them all` });
    });
}
