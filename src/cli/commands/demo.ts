import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Store } from '../../store/store.js';
import { printRows } from '../output.js';

/** The example inputs shipped in the repository (examples/). */
function examplesFolder(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples');
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('ingest the shipped examples into a fresh store and show list, summary, find and units')
    .option('--out <file>', 'the store to (re)create', 'demo.db')
    .option('--no-ml', 'leave out the ML part (an emulator and its SHAP values; MNIST, a short conditional GAN run, predictions, evaluation, acceptance, a child run)')
    .action(async (opts: { out: string; ml: boolean }) => {
      const ex = examplesFolder();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${opts.out}${suffix}`, { force: true });
      fs.rmSync(`${opts.out.replace(/\.db$/, '')}.data`, { recursive: true, force: true });
      const store = await Store.open(opts.out);
      try {
        const say = (s: string) => process.stdout.write(`\n== ${s}\n`);
        const ingested = (r: { table: string; rows: number }[]) => printRows(r, ['table', 'rows']);
        say(`dsi read wildfiredata.csv --table wildfire   (store: ${opts.out})`);
        ingested(await store.read(path.join(ex, 'wildfiredata.csv'), { table: 'wildfire' }));
        say('dsi schema --apply yaml1_schema.json; dsi read student_test1.yml student_test2.yml --reader yaml1');
        await store.applySchema(path.join(ex, 'yaml1_schema.json'));
        ingested(await store.read([path.join(ex, 'student_test1.yml'), path.join(ex, 'student_test2.yml')], { reader: 'yaml1' }));
        say('dsi read results.toml results1.toml --reader toml1');
        ingested(await store.read([path.join(ex, 'results.toml'), path.join(ex, 'results1.toml')], { reader: 'toml1' }));
        say('dsi read example.toml');
        ingested(await store.read(path.join(ex, 'example.toml')));
        say('dsi list');
        printRows(await store.list(), ['table', 'columns', 'rows']);
        say('dsi summary --table wildfire');
        printRows(
          (await store.summary({ table: 'wildfire' })).map((r) => ({ ...r, column: r.primary_key ? `${r.column}*` : r.column })),
          ['column', 'type', 'unique', 'min', 'max', 'avg', 'std_dev'],
        );
        say('dsi find "wind_speed > 5"');
        printRows((await store.find('wind_speed > 5')).map((r) => ({ table: r.dsi_table_name, row: r.dsi_row_index, wind_speed: r['wind_speed'] ?? null, fuels: r['fuels'] ?? null, burned_area: r['burned_area'] ?? null })));
        say('dsi units');
        printRows(await store.units(), ['table', 'column', 'unit']);
        if (opts.ml) {
          await demoEmulator(store, say, ex);
          await demoMl(store, say);
        }
      } finally {
        await store.close();
      }
    });
}

/** A tabular emulator of the wildfire runs, its hyper-parameters grid-searched, and the SHAP values of one prediction. */
async function demoEmulator(store: Store, say: (s: string) => void, ex: string): Promise<void> {
  const { trainEmulator, explainRun } = await import('../../ml/index.js');
  say('dsi read wildfiredata_full.csv --table wildfire_runs');
  printRows(await store.read(path.join(ex, 'wildfiredata_full.csv'), { table: 'wildfire_runs' }), ['table', 'rows']);
  const features = ['wind_speed', 'wdir', 'smois', 'fuels', 'ignition'];
  say(`dsi ml train --model random-forest --table wildfire_runs --target burned_area --features ${features.join(',')} --grid-search --seed 1`);
  const emulator = await trainEmulator(store, { model: 'random-forest', table: 'wildfire_runs', target: 'burned_area', features, gridSearch: true, seed: 1 });
  printRows([{ run_id: emulator.run_id, ...emulator.metrics, n_train: emulator.n_train, n_test: emulator.n_test, chosen: JSON.stringify(emulator.hyper) }]);
  say(`dsi ml explain --run ${emulator.run_id} --row 1 --background 100 --seed 0`);
  const shap = await explainRun(store, { run: emulator.run_id, row: 1, background: 100, seed: 0 });
  printRows(Object.entries(shap.values).map(([feature, value]) => ({ feature, shap_value: value })));
  process.stdout.write(`prediction ${shap.prediction.toFixed(1)} = base value ${shap.base_value.toFixed(1)} + Σ SHAP values (${shap.method})\n`);
}

/**
 * The ML workflow in brief: MNIST as a table, a conditional DCGAN trained for two epochs on 2,048
 * of its images (seconds on a laptop; far too short for good digits), three images per digit, a
 * one-epoch classifier whose confidence scores them, the better half accepted, a child run trained
 * on the data plus the accepted images, and the lineage that records it.
 */
async function demoMl(store: Store, say: (s: string) => void): Promise<void> {
  const { addDataset } = await import('../../datasets/add-dataset.js');
  const { trainGan, predictGan, trainClassifier, evaluateRun, acceptPredictions, runLineage } = await import('../../ml/index.js');
  const { lineageLines } = await import('./ml/lineage.js');
  say('dsi datasets add mnist');
  const added = await addDataset(store, 'mnist', { download: false });
  printRows([{ table: added.table, rows: added.rows, from: added.where }], ['table', 'rows', 'from']);
  say('dsi ml train --table mnist --cond-cols label --max-images 2048 --epochs 2 --batch 64 --seed 1');
  const run = await trainGan(store, { table: 'mnist', conditionColumns: ['label'], maxImages: 2048, epochs: 2, batch: 64, seed: 1 });
  printRows([run], ['run_id', 'status', 'model', 'epochs_done', 'steps_done', 'd_loss', 'g_loss', 'images_per_second']);
  process.stdout.write(`sample grid: ${run.FILE_samples}\nloss curves: ${run.FILE_loss_plot}\n`);
  say(`dsi ml predict --run ${run.run_id} --grid label=0..9 --count 3 --seed 0`);
  const out = await predictGan(store, { run: run.run_id, grid: { label: '0..9' }, count: 3, seed: 0 });
  printRows(out.predictions.slice(0, 10).map((p) => ({ prediction_id: p.prediction_id, label: p.params['label'] ?? null, seed: p.seed, FILE: p.FILE })));
  process.stdout.write(`… ${out.predictions.length} predictions\n`);
  say('dsi query "SELECT run_id, epoch, d_loss, g_loss, FILE_samples FROM ml_epochs"');
  printRows(await store.query('SELECT run_id, epoch, d_loss, g_loss, FILE_samples FROM ml_epochs'));

  say('dsi ml train --model classifier --table mnist --label-col label --max-images 4096 --epochs 1 --seed 1');
  const classifier = await trainClassifier(store, { table: 'mnist', labelColumn: 'label', maxImages: 4096, epochs: 1, seed: 1 });
  printRows([classifier], ['run_id', 'status', 'test_accuracy', 'n_test', 'seconds']);
  const predictions = `SELECT * FROM ml_predictions WHERE run_id = '${run.run_id}'`;
  const reference = "SELECT * FROM mnist WHERE split = 'test' ORDER BY id LIMIT 1000";
  say(`dsi ml evaluate --run ${run.run_id} --reference "${reference}" --predictions "${predictions}"`);
  const evaluation = await evaluateRun(store, { run: run.run_id, reference, predictions, kidSubsets: 10, kidSubsetSize: 30, seed: 0 });
  printRows([Object.fromEntries(['fid', 'kid', 'is', 'class_faithfulness', 'mean_score'].map((m) => [m, evaluation.metrics[m] ?? null]))]);
  const scores = (await store.query('SELECT score FROM ml_predictions WHERE run_id = ? ORDER BY score DESC', [run.run_id])).map((r) => Number(r['score']));
  const median = Math.floor(scores[Math.floor(scores.length / 2) - 1]! * 1000) / 1000;
  say(`dsi ml accept --run ${run.run_id} --rule "score >= ${median}"   (the better half, by the classifier's confidence in the label)`);
  const accepted = await acceptPredictions(store, { run: run.run_id, rule: `score >= ${median}` });
  process.stdout.write(`${accepted.accepted} of ${accepted.predictions} predictions accepted\n`);
  say(`dsi ml train --from ${run.run_id} --include-accepted --epochs 1`);
  const child = await trainGan(store, { from: run.run_id, includeAccepted: true, epochs: 1 });
  printRows([child], ['run_id', 'status', 'epochs_done', 'data_rows', 'd_loss', 'g_loss']);
  say(`dsi ml lineage ${child.run_id}`);
  const lineage = await runLineage(store, child.run_id);
  const lines = lineage.ancestry.flatMap((r, depth) => lineageLines(r, '   '.repeat(depth), depth === 0 ? '' : '└─ '));
  process.stdout.write(`${lines.join('\n')}\n`);
}
