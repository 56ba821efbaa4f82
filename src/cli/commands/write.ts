import type { Command } from 'commander';
import { defaultPlugins } from '../../index.js';
import { withStore } from '../context.js';
import { collectOption, parseKeyValues } from '../key-value-options.js';
import { wholeNumber } from '../number-options.js';
import { reportWithheld } from '../output.js';

export function registerWrite(program: Command): void {
  program
    .command('write')
    .description('export a table or a query through a writer, or draw the store (er-diagram)')
    .argument('<file>', 'output file')
    .option('--writer <name>', `writer: ${defaultPlugins.writers.map((w) => w.name).join(', ')} (default: by extension)`)
    .option('--table <name>', 'the table to export')
    .option('--query <sql>', 'a read-only query whose result to export')
    .option('--option <key=value>', "a writer's own option, repeatable (cinema: files=copy|link|symlink, allow_outside=true)", collectOption)
    .option('--prefix <text>', 'er-diagram: draw only the tables whose names start with this')
    .option('--max-columns <n>', 'er-diagram: list at most this many columns per table', wholeNumber(1))
    .option('--x <column>', 'table-plot: the column on the x axis (default: the row index)')
    .action(async (file: string, opts: { writer?: string; table?: string; query?: string; option?: string[]; prefix?: string; maxColumns?: number; x?: string }, cmd: Command) => {
      const given = {
        ...parseKeyValues(opts.option),
        ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
        ...(opts.maxColumns !== undefined ? { maxColumns: opts.maxColumns } : {}),
        ...(opts.x !== undefined ? { x: opts.x } : {}),
      };
      const writerOptions = Object.keys(given).length === 0 ? undefined : given;
      const { rows, withheld, who } = await withStore(
        cmd,
        async (store) => ({
          ...(await store.write(file, {
            ...(opts.writer ? { writer: opts.writer } : {}),
            ...(opts.table !== undefined ? { table: opts.table } : {}),
            ...(opts.query !== undefined ? { query: opts.query } : {}),
            ...(writerOptions ? { writerOptions } : {}),
          })),
          who: store.fileAccess.who,
        }),
        { readOnly: true },
      );
      reportWithheld(withheld, who);
      const drawn = opts.table === undefined && opts.query === undefined;
      process.stderr.write(drawn ? `drew ${rows} table${rows === 1 ? '' : 's'} in ${file}\n` : `wrote ${rows} rows to ${file}\n`);
    });
}
