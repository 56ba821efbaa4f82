import type { Command } from 'commander';
import { addDataset, datasetNames } from '../../datasets/add-dataset.js';
import { DATASETS } from '../../datasets/known-datasets.js';
import { defaultCacheDir } from '../../datasets/locate-dataset.js';
import { addSimulatedEnsemble, MAX_RUNS } from '../../datasets/simulations/add-simulated-ensemble.js';
import { simulationNamed, simulationNames } from '../../datasets/simulations/index.js';
import { withStore } from '../context.js';
import { seedNumber, wholeNumber } from '../number-options.js';
import { printJson, printRows } from '../output.js';
import { progressRenderer } from '../progress-bar.js';

export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('well-known image datasets as store tables (MNIST, Fashion-MNIST), and simulated ensembles (heat-transfer)');

  datasets
    .command('add')
    .description('ingest a dataset: one row and one PNG per image (70,000 for MNIST and Fashion-MNIST), or run a simulation over its parameters; all or nothing')
    .argument('<name>', `dataset: ${[...datasetNames(), ...simulationNames()].join(', ')}`)
    .option('--from <dir>', 'the folder holding its four IDX files (raw or .gz); default: the cache, the installed packages, then a download')
    .option('--table <name>', 'table to fill (default: mnist, fashion_mnist, heat_transfer)')
    .option('--no-download', 'never download; fail when no local copy is found')
    .option('--runs <n>', 'simulations: runs, at points of a Latin hypercube over the default ranges (default 256)', wholeNumber(2, MAX_RUNS))
    .option('--size <n>', 'simulations: image size (heat-transfer: 28, 32 or 64; default 32)', wholeNumber(1))
    .option('--seed <n>', 'simulations: seed of the Latin hypercube (default 1)', seedNumber)
    .option('--points <file>', 'simulations: a CSV of points to run (exactly the parameter columns) instead of a Latin hypercube')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        name: string,
        opts: { from?: string; table?: string; download: boolean; runs?: number; size?: number; seed?: number; points?: string; json?: boolean },
        cmd: Command,
      ) => {
        const progress = progressRenderer();
        if (simulationNamed(name)) {
          const added = await withStore(cmd, (store) =>
            addSimulatedEnsemble(store, name, {
              ...(opts.runs !== undefined ? { runs: opts.runs } : {}),
              ...(opts.size !== undefined ? { size: opts.size } : {}),
              ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
              ...(opts.points !== undefined ? { points: opts.points } : {}),
              ...(opts.table !== undefined ? { table: opts.table } : {}),
              onProgress: progress.onProgress,
            }),
          ).finally(progress.stop);
          if (opts.json) printJson(added);
          else {
            printRows(
              [{ dataset: added.simulation, table: added.table, runs: added.runs, sim_ids: `${added.firstSimId}-${added.lastSimId}`, size: added.size, points: added.points, seconds: added.seconds.toFixed(1) }],
              ['dataset', 'table', 'runs', 'sim_ids', 'size', 'points', 'seconds'],
            );
          }
          return;
        }
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
      },
    );

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
      const simulations = simulationNames().map((n) => {
        const sim = simulationNamed(n)!;
        return {
          dataset: sim.name,
          table: sim.name.replace(/-/g, '_'),
          title: sim.title,
          packages: `simulated here (version ${sim.version}; parameters ${sim.parameters.map((p) => p.name).join(', ')})`,
          cache: '',
          download: '',
        };
      });
      if (opts.json) printJson([...rows, ...simulations]);
      else printRows([...rows, ...simulations], ['dataset', 'table', 'title', 'packages', 'cache', 'download']);
    });
}
