import type { Command } from 'commander';
import { listReaders } from '../../readers/registry.js';
import { withStore } from '../context.js';
import { collectOption, parseKeyValues } from '../key-value-options.js';
import { printJson, printRows } from '../output.js';
import { progressRenderer } from '../progress-bar.js';

export function registerRead(program: Command): void {
  program
    .command('read')
    .description('ingest files into the store (all or nothing)')
    .argument('<files...>', 'input files (a folder for the env reader)')
    .option('--reader <name>', `reader: ${listReaders().map((r) => r.name).join(', ')} (default: by extension)`)
    .option('--table <name>', "table name for readers that make one table (default: the file's base name)")
    .option('--option <key=value>', "a reader's own option, repeatable (images: params=CSV, pattern=…; idx: labels=FILE, split=NAME)", collectOption)
    .option('--json', 'print the tables written as JSON')
    .action(async (files: string[], opts: { reader?: string; table?: string; option?: string[]; json?: boolean }, cmd: Command) => {
      const readerOptions = parseKeyValues(opts.option);
      const progress = progressRenderer();
      const results = await withStore(cmd, (store) =>
        store.read(files, {
          ...(opts.reader ? { reader: opts.reader } : {}),
          ...(opts.table ? { table: opts.table } : {}),
          ...(readerOptions ? { readerOptions } : {}),
          onProgress: progress.onProgress,
        }),
      ).finally(progress.stop);
      if (opts.json) printJson(results);
      else printRows(results, ['table', 'rows']);
    });
}
