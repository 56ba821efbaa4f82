import type { Command } from 'commander';
import { StoreError } from '../../errors.js';
import { defaultPlugins } from '../../index.js';
import { withStore } from '../context.js';
import { collectOption, parseKeyValues } from '../key-value-options.js';
import { printJson, printRows } from '../output.js';
import { progressRenderer } from '../progress-bar.js';

export function registerRead(program: Command): void {
  program
    .command('read')
    .description('ingest files into the store (all or nothing); a file already read into its table is refused unless --append')
    .argument('<files...>', 'input files (a folder for the env reader)')
    .option('--reader <name>', `reader: ${defaultPlugins.readers.map((r) => r.name).join(', ')} (default: by extension)`)
    .option('--table <name>', "table name for readers that make one table (default: the file's base name)")
    .option('--option <key=value>', "a reader's own option, repeatable (images: params=CSV, pattern=…; idx: labels=FILE, split=NAME)", collectOption)
    .option('--append', 'add the rows of a file even when the same file was read into the same table before')
    .option('--strict', 'refuse what the format does not allow even where a reader would make sense of it (CSV: RFC 4180 exactly)')
    .option('--run-table', 'record this read in the table runtable and give every row it adds its run_id (Python DSI\'s runTable)')
    .option('--json', 'print [{table, rows, total}] as JSON: rows added, and the rows the table holds now')
    .action(async (files: string[], opts: { reader?: string; table?: string; option?: string[]; append?: boolean; strict?: boolean; runTable?: boolean; json?: boolean }, cmd: Command) => {
      const readerOptions = parseKeyValues(opts.option);
      const progress = progressRenderer();
      const results = await withStore(cmd, async (store) => {
        const written = await store.read(files, {
          ...(opts.reader ? { reader: opts.reader } : {}),
          ...(opts.table ? { table: opts.table } : {}),
          ...(readerOptions ? { readerOptions } : {}),
          ...(opts.append ? { append: true } : {}),
          ...(opts.strict ? { strict: true } : {}),
          ...(opts.runTable ? { runTable: true } : {}),
          onProgress: progress.onProgress,
        });
        const out: { table: string; rows: number; total: number }[] = [];
        for (const r of written) out.push({ table: r.table, rows: r.rows, total: await store.rowCount(r.table) });
        return out;
      })
        .catch((e: unknown) => {
          if (e instanceof StoreError && e.code === 'E_ALREADY_READ') {
            throw new StoreError(e.code, (o) => `${e.messageWith(o)}; give --append to add them anyway`, { ...(e.file === undefined ? {} : { file: e.file }), cause: e });
          }
          throw e;
        })
        .finally(progress.stop);
      // Rows added to a table that held rows before: say so, where a script's stdout stays clean.
      for (const r of results) {
        if (r.total > r.rows) process.stderr.write(`${r.table}: ${r.rows} row${r.rows === 1 ? '' : 's'} added to the ${r.total - r.rows} it held; ${r.total} now\n`);
      }
      if (opts.json) printJson(results);
      else printRows(results, ['table', 'rows', 'total']);
    });
}
