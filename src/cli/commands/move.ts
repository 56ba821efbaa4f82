/**
 * `dsi move --to DEST`: move the indexed files to DEST (layout kept), verify every copy's
 * SHA-256, switch the store's paths in one transaction, then remove the sources. A move that
 * was killed is finished or rolled back first (see src/files/move-journal.ts).
 */
import type { Command } from 'commander';
import { moveFiles } from '../../files/move-files.js';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';
import { progressRenderer } from '../progress-bar.js';

export function registerMove(program: Command): void {
  program
    .command('move')
    .description('move the indexed files (dsi index) to another folder: copy, verify SHA-256, switch the store\'s paths, then remove the sources')
    .requiredOption('--to <dest>', 'the destination folder (files go to DEST/<indexed folder\'s name>/…)')
    .option('--json', 'print {moved, bytes, alreadyThere, skipped, rewritten, notRemoved, recovered?} as JSON')
    .action(async (opts: { to: string; json?: boolean }, cmd: Command) => {
      const progress = progressRenderer();
      const result = await withStore(cmd, (store) => moveFiles(store, opts.to, { onProgress: progress.onProgress })).finally(progress.stop);
      if (opts.json) {
        printJson(result);
        return;
      }
      if (result.recovered) process.stderr.write(`an interrupted move of ${result.recovered.files} files was ${result.recovered.outcome}\n`);
      const { moved, bytes, alreadyThere, skipped, rewritten } = result;
      printRows([{ moved, bytes, already_there: alreadyThere, skipped, rewritten, not_removed: result.notRemoved.length }]);
      for (const p of [...(result.recovered?.notRemoved ?? []), ...result.notRemoved]) process.stderr.write(`not removed: ${p.path}: ${p.error}\n`);
    });
}
