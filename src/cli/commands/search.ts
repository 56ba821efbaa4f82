import type { Command } from 'commander';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('case-insensitive substring search over table names, column names and cells')
    .argument('<term>')
    .option('--json', 'print {tables, columns, rows} as JSON')
    .action(async (term: string, opts: { json?: boolean }, cmd: Command) => {
      const result = await withStore(cmd, (store) => store.search(term), { readOnly: true });
      if (opts.json) {
        printJson(result);
        return;
      }
      process.stdout.write(`tables: ${result.tables.length ? result.tables.join(', ') : '(none)'}\n`);
      process.stdout.write(`columns: ${result.columns.length ? result.columns.map((c) => `${c.table}.${c.column}`).join(', ') : '(none)'}\n`);
      const tables = [...new Set(result.rows.map((r) => r.dsi_table_name))];
      for (const t of tables) {
        process.stdout.write(`rows in ${t}:\n`);
        printRows(result.rows.filter((r) => r.dsi_table_name === t).map(({ dsi_table_name: _t, ...rest }) => rest));
      }
      if (tables.length === 0) process.stdout.write('rows: (none)\n');
    });
}
