import type { Command } from 'commander';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';

export function registerUnits(program: Command): void {
  program
    .command('units')
    .description('units recorded for columns (dsi_units)')
    .option('--json', 'print [{table, column, unit}] as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const units = await withStore(cmd, (store) => store.units(), { readOnly: true });
      if (opts.json) printJson(units);
      else printRows(units, ['table', 'column', 'unit']);
    });
}
