/**
 * `dsi find CONDITION [--table T] [--json]`: rows matching one condition in every table with the
 * column; `--json` prints `{rows, withheld}`. Matching rows whose files the caller may not read
 * are left out and counted on stderr.
 */
import type { Command } from 'commander';
import { withStore } from '../context.js';
import { printJson, printRows, reportWithheld } from '../output.js';

export function registerFind(program: Command): void {
  program
    .command('find')
    .description('rows matching one condition, in every table with the column: "col op value" (> < >= <= = == != ~ ~~) or "col (low, high)"')
    .argument('<condition>', 'e.g. "wind_speed > 5", "fuels ~ tls", "burned_area (150000, 190000)"')
    .option('--table <name>', 'look only in this table')
    .option('--json', 'print {rows, withheld} as JSON: the rows, each with dsi_table_name and dsi_row_index, and how many were withheld')
    .action(async (condition: string, opts: { table?: string; json?: boolean }, cmd: Command) => {
      const { rows, who } = await withStore(
        cmd,
        async (store) => ({ rows: await store.find(condition, opts.table ? { table: opts.table } : {}), who: store.fileAccess.who }),
        { readOnly: true },
      );
      reportWithheld(rows.withheld, who);
      if (opts.json) {
        printJson({ rows, withheld: rows.withheld ?? 0 });
        return;
      }
      const tables = [...new Set(rows.map((r) => r.dsi_table_name))];
      if (tables.length === 0) process.stdout.write('(no rows)\n');
      for (const t of tables) {
        process.stdout.write(`${t}:\n`);
        printRows(rows.filter((r) => r.dsi_table_name === t).map(({ dsi_table_name: _t, ...rest }) => rest));
      }
    });
}
