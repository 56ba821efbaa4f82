/**
 * `dsi search TERM [-n N | --all] [--json]`: a substring over table names, column names and
 * cells; `--json` prints `{tables, columns, rows, rows_matched, withheld}`. Matching rows whose
 * files the caller may not read are left out and counted on stderr.
 */
import type { Command } from 'commander';
import { withStore } from '../context.js';
import { wholeNumber } from '../number-options.js';
import { printJson, printRows, reportWithheld, shownNote } from '../output.js';

/** Matching rows a table shows when no --limit is given. */
export const SEARCH_ROWS_SHOWN = 50;

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('case-insensitive substring search over table names, column names and cells')
    .argument('<term>')
    .option('-n, --limit <n>', `print at most n matching rows (default ${SEARCH_ROWS_SHOWN}; with --json, all unless given)`, wholeNumber(1))
    .option('--all', 'print every matching row')
    .option('--json', 'print {tables, columns, rows, rows_matched, withheld} as JSON')
    .action(async (term: string, opts: { limit?: number; all?: boolean; json?: boolean }, cmd: Command) => {
      const { result, who } = await withStore(cmd, async (store) => ({ result: await store.search(term), who: store.fileAccess.who }), { readOnly: true });
      const withheld = result.rows.withheld ?? 0;
      reportWithheld(withheld, who);
      const limit = opts.all ? undefined : opts.limit ?? (opts.json ? undefined : SEARCH_ROWS_SHOWN);
      const rows = limit === undefined ? result.rows : result.rows.slice(0, limit);
      if (opts.json) {
        printJson({ tables: result.tables, columns: result.columns, rows, rows_matched: result.rows.length, withheld });
        return;
      }
      process.stdout.write(`tables: ${result.tables.length ? result.tables.join(', ') : '(none)'}\n`);
      process.stdout.write(`columns: ${result.columns.length ? result.columns.map((c) => `${c.table}.${c.column}`).join(', ') : '(none)'}\n`);
      const tables = [...new Set(rows.map((r) => r.dsi_table_name))];
      for (const t of tables) {
        process.stdout.write(`rows in ${t}:\n`);
        printRows(rows.filter((r) => r.dsi_table_name === t).map(({ dsi_table_name: _t, ...rest }) => rest));
      }
      if (tables.length === 0) process.stdout.write('rows: (none)\n');
      const note = shownNote(rows.length, result.rows.length, '--limit N shows more, --all shows every one', 'matching rows');
      if (note !== undefined) process.stdout.write(`${note}\n`);
    });
}
