import type { Command } from 'commander';
import { addDataset, datasetNames } from '../../datasets/add-dataset.js';
import { DATASETS } from '../../datasets/known-datasets.js';
import { defaultCacheDir } from '../../datasets/locate-dataset.js';
import { withStore } from '../context.js';
import { printJson, printRows } from '../output.js';
import { progressRenderer } from '../progress-bar.js';

export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('well-known image datasets as store tables (MNIST, Fashion-MNIST)');

  datasets
    .command('add')
    .description('ingest a dataset: one row and one PNG per image (70,000 for MNIST and Fashion-MNIST), all or nothing')
    .argument('<name>', `dataset: ${datasetNames().join(', ')}`)
    .option('--from <dir>', 'the folder holding its four IDX files (raw or .gz); default: the cache, the installed packages, then a download')
    .option('--table <name>', 'table to fill (default: mnist, fashion_mnist)')
    .option('--no-download', 'never download; fail when no local copy is found')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { from?: string; table?: string; download: boolean; json?: boolean }, cmd: Command) => {
      const progress = progressRenderer();
      const added = await withStore(cmd, (store) =>
        addDataset(store, name, {
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(opts.table !== undefined ? { table: opts.table } : {}),
          download: opts.download,
          onProgress: progress.onProgress,
        }),
      ).finally(progress.stop);
      if (opts.json) printJson(added);
      else {
        printRows(
          [{ dataset: added.dataset, table: added.table, rows: added.rows, train: added.splits['train'] ?? 0, test: added.splits['test'] ?? 0, from: added.where }],
          ['dataset', 'table', 'rows', 'train', 'test', 'from'],
        );
      }
    });

  datasets
    .command('list')
    .description('the datasets `datasets add` knows, and where their files are looked for')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const rows = Object.values(DATASETS).map((d) => ({
        dataset: d.name,
        table: d.table,
        title: d.title,
        packages: d.packages.map((p) => `${p.label}${p.folder() ? '' : ' (not installed)'}`).join('; '),
        cache: `${defaultCacheDir()}/${d.name}`,
        download: d.urls[0] ?? '',
      }));
      if (opts.json) printJson(rows);
      else printRows(rows, ['dataset', 'table', 'title', 'packages', 'cache', 'download']);
    });
}
