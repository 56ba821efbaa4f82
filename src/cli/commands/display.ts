import type { Command, } from 'commander';
import { InvalidArgumentError } from 'commander';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`must be a whole number ≥ 0, got "${value}"`);
  return n;
}

export function registerDisplay(program: Command): void {
  program
    .command('display')
    .description('the first rows of a table')
    .argument('<table>')
    .option('-n, --rows <n>', 'rows to show', count, 25)
    .option('--columns <list>', 'comma-separated columns to show')
    .option('--json', 'print rows as JSON')
    .action(async (table: string, opts: { rows: number; columns?: string; json?: boolean }, cmd: Command) => {
      const columns = opts.columns?.split(',').map((c) => c.trim()).filter((c) => c !== '');
      const { rows, info } = await withStore(
        cmd,
        async (store) => ({ rows: await store.display(table, { limit: opts.rows, ...(columns ? { columns } : {}) }), info: await store.describe(table) }),
        { readOnly: true },
      );
      if (opts.json) printJson(rows);
      else printRows(rows, columns ?? info.columns.map((c) => c.name));
    });
}
