import type { Command } from 'commander';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';

export function registerFind(program: Command): void {
  program
    .command('find')
    .description('rows matching one condition, in every table with the column: "col op value" (> < >= <= = == != ~ ~~) or "col (low, high)"')
    .argument('<condition>', 'e.g. "wind_speed > 5", "fuels ~ tls", "burned_area (150000, 190000)"')
    .option('--table <name>', 'look only in this table')
    .option('--json', 'print rows as JSON, each with dsi_table_name and dsi_row_index')
    .action(async (condition: string, opts: { table?: string; json?: boolean }, cmd: Command) => {
      const rows = await withStore(cmd, (store) => store.find(condition, opts.table ? { table: opts.table } : {}), { readOnly: true });
      if (opts.json) {
        printJson(rows);
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
