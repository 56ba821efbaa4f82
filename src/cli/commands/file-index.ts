/**
 * `dsi index DIR`: record every file under a folder in the store's file index (`filesystem`),
 * incrementally; prints the counts, and lists the entries it could not read (never fatal).
 */
import type { Command } from 'commander';
import { indexFiles } from '../../files/index-files.js';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';
import { progressRenderer } from '../progress-bar.js';

export function registerIndex(program: Command): void {
  program
    .command('index')
    .description('record every file under a folder in the file index (table filesystem): path, size, times, mode, owner, group, id; again: only what changed')
    .argument('<dir>', 'the folder to index (inside the store\'s folder or not)')
    .option('--checksum', 'record each new or changed file\'s SHA-256 (reads the files whole)')
    .option('--json', 'print {table, root, added, changed, unchanged, removed, unreadable, problems} as JSON')
    .action(async (dir: string, opts: { checksum?: boolean; json?: boolean }, cmd: Command) => {
      const progress = progressRenderer();
      const result = await withStore(cmd, (store) => indexFiles(store, dir, { checksum: opts.checksum === true, onProgress: progress.onProgress })).finally(progress.stop);
      if (opts.json) {
        printJson(result);
        return;
      }
      const { added, changed, unchanged, removed, unreadable } = result;
      printRows([{ table: result.table, root: result.root, added, changed, unchanged, removed, unreadable }]);
      for (const p of result.problems) process.stderr.write(`unreadable: ${p.path}: ${p.error}\n`);
    });
}
