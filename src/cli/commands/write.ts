import type { Command } from 'commander';
import { defaultPlugins } from '../../index.js';
import { withStore } from '../context.js';
import { collectOption, parseKeyValues } from '../key-value-options.js';

export function registerWrite(program: Command): void {
  program
    .command('write')
    .description('export a table or a query through a writer')
    .argument('<file>', 'output file')
    .option('--writer <name>', `writer: ${defaultPlugins.writers.map((w) => w.name).join(', ')} (default: by extension)`)
    .option('--table <name>', 'the table to export')
    .option('--query <sql>', 'a read-only query whose result to export')
    .option('--option <key=value>', "a writer's own option, repeatable (cinema: files=copy|link|symlink, allow_outside=true)", collectOption)
    .action(async (file: string, opts: { writer?: string; table?: string; query?: string; option?: string[] }, cmd: Command) => {
      const writerOptions = parseKeyValues(opts.option);
      const { rows } = await withStore(
        cmd,
        (store) =>
          store.write(file, {
            ...(opts.writer ? { writer: opts.writer } : {}),
            ...(opts.table !== undefined ? { table: opts.table } : {}),
            ...(opts.query !== undefined ? { query: opts.query } : {}),
            ...(writerOptions ? { writerOptions } : {}),
          }),
        { readOnly: true },
      );
      process.stderr.write(`wrote ${rows} rows to ${file}\n`);
    });
}
