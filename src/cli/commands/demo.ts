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
    .option('--no-ml', 'leave out the ML part (MNIST, a short conditional GAN run, predictions)')
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
        if (opts.ml) await demoMl(store, say);
      } finally {
        await store.close();
      }
    });
}

/**
 * The ML workflow in brief: MNIST as a table, a conditional DCGAN trained for two epochs on 2,048
 * of its images (seconds on a laptop; far too short for good digits), then one image per digit.
 */
async function demoMl(store: Store, say: (s: string) => void): Promise<void> {
  const { addDataset } = await import('../../datasets/add-dataset.js');
  const { trainGan, predictGan } = await import('../../ml/index.js');
  say('dsi datasets add mnist');
  const added = await addDataset(store, 'mnist', { download: false });
  printRows([{ table: added.table, rows: added.rows, from: added.where }], ['table', 'rows', 'from']);
  say('dsi ml train --table mnist --cond-cols label --max-images 2048 --epochs 2 --batch 64 --seed 1');
  const run = await trainGan(store, { table: 'mnist', conditionColumns: ['label'], maxImages: 2048, epochs: 2, batch: 64, seed: 1 });
  printRows([run], ['run_id', 'status', 'model', 'epochs_done', 'steps_done', 'd_loss', 'g_loss', 'images_per_second']);
  process.stdout.write(`sample grid: ${run.FILE_samples}\nloss curves: ${run.FILE_loss_plot}\n`);
  say(`dsi ml predict --run ${run.run_id} --grid label=0..9 --seed 0`);
  const out = await predictGan(store, { run: run.run_id, grid: { label: '0..9' }, seed: 0 });
  printRows(out.predictions.map((p) => ({ prediction_id: p.prediction_id, label: p.params['label'] ?? null, seed: p.seed, FILE: p.FILE })));
  say('dsi query "SELECT run_id, epoch, d_loss, g_loss, FILE_samples FROM ml_epochs"');
  printRows(await store.query('SELECT run_id, epoch, d_loss, g_loss, FILE_samples FROM ml_epochs'));
}
