/** `dsi ml runs`, `dsi ml show RUN`, `dsi ml delete RUN`: the run registry. */
import type { Command } from 'commander';
import { MlError } from '../../../errors.js';
import { withStore } from '../../context.js';
import { printJson, printRows } from '../../output.js';
import { loadMl } from './load-ml.js';

export function registerMlRuns(ml: Command): void {
  ml.command('runs')
    .description('the runs in this store, newest first (a running run whose process is gone shows as killed)')
    .option('--sweep <id>', 'only the runs of this sweep (dsi ml sweep)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean; sweep?: string }, cmd: Command) => {
      const { RunRegistry, SweepRegistry, runForDisplay, storedParams } = await loadMl();
      const sweep = opts.sweep;
      const runs = await withStore(
        cmd,
        async (store) => {
          if (sweep === undefined) return new RunRegistry(store).list();
          await new SweepRegistry(store).get(sweep);
          return (await new RunRegistry(store).list()).filter((r) => r.sweep_id === sweep);
        },
        { readOnly: true },
      );
      if (opts.json) {
        printJson(runs.map(runForDisplay));
        return;
      }
      printRows(
        runs.map((r) => ({
          run_id: r.run_id,
          kind: r.kind,
          model: r.model,
          status: r.state,
          epochs: `${r.epochs_done}/${String(storedParams(r)['epochs'] ?? '?')}`,
          rows: r.data_rows,
          'images/s': r.images_per_second === null ? null : Math.round(r.images_per_second),
          d_loss: r.d_loss,
          g_loss: r.g_loss,
          created_at: r.created_at,
        })),
        ['run_id', 'kind', 'model', 'status', 'epochs', 'rows', 'images/s', 'd_loss', 'g_loss', 'created_at'],
      );
    });

  ml.command('show')
    .description('one run: its parameters, data, environment, files and epochs')
    .argument('<run>', 'run id')
    .option('--json', 'print as JSON')
    .action(async (runId: string, opts: { json?: boolean }, cmd: Command) => {
      const { RunRegistry, runForDisplay, storedParams } = await loadMl();
      const { run, epochs, counts } = await withStore(
        cmd,
        async (store) => {
          const registry = new RunRegistry(store);
          const r = await registry.get(runId);
          return { run: r, epochs: await registry.epochs(runId), counts: await registry.counts(runId) };
        },
        { readOnly: true },
      );
      if (opts.json) {
        printJson({ ...runForDisplay(run), epochs, rows: counts });
        return;
      }
      const pairs: [string, unknown][] = [
        ['run', run.run_id],
        ['status', run.state === run.status ? run.status : `${run.state} (recorded as ${run.status})`],
        ['kind / model', `${run.kind} / ${run.model}`],
        ['data', `${run.data_rows} rows: ${run.data_query}`],
        ...(run.parent_run_id === null ? [] : [['parent', `${run.parent_run_id} (dsi ml lineage ${run.run_id})`] as [string, unknown]]),
        ...(run.included_predictions.length === 0 ? [] : [['included', `${run.included_predictions.length} accepted predictions`] as [string, unknown]]),
        ['seed', run.seed],
        ['progress', `${run.epochs_done} epochs, ${run.steps_done} steps`],
        ['images/s', run.images_per_second === null ? '' : run.images_per_second.toFixed(1)],
        ['params', JSON.stringify(storedParams(run))],
        ['env', JSON.stringify(run.env)],
        ['checkpoint', run.FILE_checkpoint ?? ''],
        ['loss plot', run.FILE_loss_plot ?? ''],
        ['predictions', counts['ml_predictions'] ?? 0],
        ['created / finished', `${run.created_at} / ${run.finished_at ?? ''}`],
        ['heartbeat', run.heartbeat_at ?? ''],
        ...(run.error === null ? [] : [['error', run.error] as [string, unknown]]),
      ];
      const width = Math.max(...pairs.map(([k]) => k.length));
      for (const [k, v] of pairs) process.stdout.write(`${k.padEnd(width)}  ${String(v)}\n`);
      if (epochs.length > 0) {
        process.stdout.write('\n');
        printRows(epochs, ['epoch', ...(run.kind === 'gan' ? ['d_loss', 'g_loss'] : ['loss']), 'steps', 'images_per_second', 'seconds', 'FILE_samples', 'FILE_checkpoint']);
      }
    });

  ml.command('delete')
    .description("delete a run: its rows in every ml_ table and its folder NAME.data/ml/RUN/ (checkpoints, samples, predictions)")
    .argument('<run>', 'run id')
    .option('--force', 'delete even when other runs depend on it (children, runs trained on its predictions): they keep their rows, cannot resume, and their lineage shows the predictions as deleted')
    .option('--json', 'print what was deleted as JSON')
    .action(async (runId: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const { RunRegistry, describeDependent } = await loadMl();
      const deleted = await withStore(cmd, async (store) => {
        const registry = new RunRegistry(store);
        if (opts.force !== true) {
          await registry.get(runId);
          registry.sweepPredictionStaging();
          const dependents = await registry.dependentRuns(runId);
          if (dependents.length > 0) {
            throw new MlError('E_ML_RUN', `run ${runId} has runs that depend on it: ${dependents.map(describeDependent).join(', ')}; delete them first, or give --force to delete it anyway (they keep their rows but cannot resume, and their lineage shows the predictions as deleted)`);
          }
        }
        return registry.delete(runId, { force: opts.force === true });
      });
      if (opts.json) printJson({ run_id: runId, ...deleted });
      else {
        const rows = Object.entries(deleted.rows).map(([t, n]) => `${n} from ${t}`).join(', ');
        const orphans = deleted.dependents.length === 0 ? '' : `; ${deleted.dependents.join(', ')} lost what they depended on`;
        process.stdout.write(`deleted ${runId}: ${rows}${deleted.folder === undefined ? '' : `; removed ${deleted.folder}`}${orphans}\n`);
      }
    });
}
