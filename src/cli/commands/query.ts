/**
 * `dsi query SQL [--limit N] [--json]`: read-only SQL. With `--limit` the rows are streamed and
 * the statement stops after N + 1 of them, so a query with endless rows still ends; the table then
 * says that more rows were not shown (their number is not known without running the query out).
 * `--json` prints `{rows, withheld}` (with `--limit`, `more` too). Rows whose `FILE…` values the
 * caller may not read are left out and counted on stderr.
 */
import type { Command } from 'commander';
import { withStore } from '../context.js';
import { wholeNumber } from '../number-options.js';
import { printJson, printRows, reportWithheld } from '../output.js';

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run read-only SQL (writes are refused; use update)')
    .argument('<sql>', 'one SQL statement')
    .option('-n, --limit <n>', 'print at most n rows (n ≥ 1)', wholeNumber(1))
    .option('--json', 'print {rows, withheld} as JSON: the rows (objects) and how many were withheld')
    .action(async (sql: string, opts: { limit?: number; json?: boolean }, cmd: Command) => {
      if (opts.limit === undefined) {
        const { rows, who } = await withStore(cmd, async (store) => ({ rows: await store.query(sql), who: store.fileAccess.who }), { readOnly: true });
        reportWithheld(rows.withheld, who);
        if (opts.json) printJson({ rows, withheld: rows.withheld ?? 0 });
        else printRows(rows);
        return;
      }
      // Only limit + 1 rows are fetched, so the total is unknown when there are more.
      const limit = opts.limit;
      const { rows, more, who } = await withStore(cmd, async (store) => ({ ...(await store.queryFirst(sql, limit)), who: store.fileAccess.who }), { readOnly: true });
      reportWithheld(rows.withheld, who);
      if (opts.json) printJson({ rows, more, withheld: rows.withheld ?? 0 });
      else {
        printRows(rows);
        if (more) process.stdout.write(`showing the first ${rows.length} rows; more rows not shown; a larger --limit shows more\n`);
      }
    });
}
