/**
 * Generate images from a trained GAN for chosen parameter combinations, write them as PNGs in the
 * run's folder and as rows of `ml_predictions`, each with the seed that reproduces it: image k of
 * a call uses seed S + k, and its noise is libtorch's `manualSeed(S + k); randn([1, noiseDim])`,
 * the same numbers PyTorch's `torch.manual_seed(S + k); torch.randn(1, noise_dim)` draws.
 *
 * ```ts
 * const out = await predictGan(store, { run: 'gan-20261127-053512-a1b2', grid: { label: '0..9' }, count: 10, seed: 1 });
 * ```
 *
 * Besides the images, each call writes one contact sheet, `predictions/CALL_ID/contact-sheet.png`
 * (contact-sheet.ts): its images at 4×, one labelled row per combination, at most 20 lines of 10.
 * Its path is the result's `FILE_contact_sheet`; a call never touches another call's sheet.
 *
 * A call's files are staged beside `predictions/CALL_ID` and renamed to it once complete
 * (src/atomic-write.ts), and its rows go in one transaction: if either fails, neither is left. What
 * a killed call staged is removed by the next call once its process is gone. Between the rename
 * and the rows' commit the folder holds a marker naming its process (`.dsi-rows-pending-HOST-PID`,
 * removed once the rows are in): a call killed there leaves a folder no row names, which the next
 * call of the run removes ({@link removeUnrecordedCalls}; a marker whose rows did get in is just
 * removed). One call makes at most
 * {@link CALL_LIMITS}.predictImages images, with seeds S … S + N − 1 within the 32-bit seeds (checkSeed).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beginAtomicFolderSync, FILE_MODE, isAbandoned, recoverFolderSync, removeStaleEntriesSync, removeTreeSync, THIS_HOST, type AtomicTarget } from '../../atomic-write.js';
import { MlError, type OptionSpelling } from '../../errors.js';
import { encodePng } from '../../images/png-codec.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import { CALL_LIMITS, checkCallSize, checkSeed } from '../call-limits.js';
import { createGan } from '../models/gan.js';
import { now, RunRegistry } from '../registry/run-registry.js';
import { ML_PREDICTIONS } from '../registry/tables.js';
import { architectureOf, checkpointName, loadCheckpoint } from '../checkpoints/gan-checkpoint.js';
import { resolveDevice } from '../device.js';
import { CONTACT_SHEET_NAME, ContactSheet } from './contact-sheet.js';
import { GENERATE_BATCH, generateImages } from './generate-images.js';
import { parameterCombinations, type CombinationRequest } from './parameter-grid.js';

export interface PredictGanOptions extends CombinationRequest {
  readonly run: string;
  /** Images per combination (default 1). */
  readonly count?: number;
  /** Image k of the call uses seed `seed + k` (default: a random seed, recorded). */
  readonly seed?: number;
  /** The checkpoint of this epoch instead of the run's latest. */
  readonly epoch?: number;
  readonly device?: string;
  /** Also export the call's predictions as a Cinema database (a folder named NAME.cdb). */
  readonly exportCinema?: string;
  readonly onProgress?: ProgressCallback;
}

export interface Prediction {
  prediction_id: string;
  params: Record<string, Cell>;
  seed: number;
  FILE: string;
}

export interface PredictGanResult {
  run_id: string;
  epoch: number;
  checkpoint: string;
  seed: number;
  predictions: Prediction[];
  /** The call's contact sheet, relative to the store like every `FILE…` path. */
  FILE_contact_sheet: string;
  cinema?: string;
}

export async function predictGan(store: Store, options: PredictGanOptions): Promise<PredictGanResult> {
  const registry = new RunRegistry(store);
  const run = await registry.getRun(options.run, 'gan', '; predict generates images from GAN runs');
  const params = run.params;
  const count = options.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('count')} must be a positive whole number, got ${String(options.count)}`);
  const limit = CALL_LIMITS.predictImages;
  const batching = (o: OptionSpelling): string => `make several calls of at most ${limit} images, each with its own ${o('seed')} (the next call's seed is this one's plus its image count)`;
  checkCallSize('count', count, limit, batching, 'images per combination');
  const device = resolveDevice(options.device ?? 'cpu');
  const taken = new Set(ML_PREDICTIONS.columns.map((c) => c.name.toLowerCase()));
  const clash = params.conditions.find((c) => taken.has(c.name.toLowerCase()));
  if (clash) throw new MlError('E_ML_RUN', `the model's parameter "${clash.name}" has the name of an ml_predictions column; its predictions cannot be stored`);
  const combos = parameterCombinations(params.conditions, options);
  const total = combos.length * count;
  checkCallSize('count', total, limit, batching, `images (${combos.length} combination${combos.length === 1 ? '' : 's'} × ${count})`);
  const seed = checkSeed('seed', options.seed ?? Math.floor(Math.random() * 2 ** 31), total);
  if (options.exportCinema !== undefined && !/\.cdb$/i.test(options.exportCinema.replace(/[\\/]+$/, ''))) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('exportCinema')} takes a folder named NAME.cdb, got "${options.exportCinema}"`);
  }

  let checkpoint: string;
  if (options.epoch !== undefined) {
    checkpoint = registry.runPath(run.run_id, 'checkpoints', checkpointName({ epoch: options.epoch, stepInEpoch: 0 }));
    recoverFolderSync(checkpoint);
    if (!fs.existsSync(checkpoint)) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} kept no checkpoint of epoch ${options.epoch}`);
  } else {
    if (run.FILE_checkpoint === null) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} has no checkpoint yet (status ${run.state}); train it first`);
    checkpoint = registry.absolute(run.FILE_checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`);
  }

  const callId = crypto.randomBytes(4).toString('hex');
  const folder = registry.runPath(run.run_id, 'predictions');
  // What killed calls left behind, this run's or any other's, goes now (live writers' stays).
  registry.sweepPredictionStaging();
  await removeUnrecordedCalls(store, folder);
  const final = path.join(folder, callId);
  const pending = path.join(final, `.dsi-rows-pending-${THIS_HOST}-${process.pid}`);
  const gan = createGan(architectureOf(params));
  let epoch = 0;
  const predictions: Prediction[] = [];
  let staging: AtomicTarget | undefined;
  try {
    epoch = loadCheckpoint(checkpoint, gan).epoch;
    gan.to(device);
    // Staging folders of earlier versions (`.tmp-CALL_ID`, no owner recorded) are removed once a day old.
    removeStaleEntriesSync(folder, (name, entry) => /^\.tmp-[0-9a-f]{8}$/.test(name) && Date.now() - fs.statSync(entry).mtimeMs > 24 * 60 * 60 * 1000);
    staging = beginAtomicFolderSync(final);
    const { channels, size } = architectureOf(params);
    const plane = channels * size * size;
    const sheet = new ContactSheet(combos, count, { channels, size });
    // A batch at a time: memory stays one batch of pixels whatever the call's size.
    for (let start = 0; start < total; start += GENERATE_BATCH) {
      const ks = Array.from({ length: Math.min(GENERATE_BATCH, total - start) }, (_, j) => start + j);
      const pixels = generateImages(gan, { seeds: ks.map((k) => seed + k), combos: ks.map((k) => combos[Math.floor(k / count)]!), device });
      ks.forEach((k, j) => {
        const name = `${String(k).padStart(6, '0')}.png`;
        const image = pixels.subarray(j * plane, (j + 1) * plane);
        sheet.offer(k, image);
        fs.writeFileSync(path.join(staging!.temp, name), encodePng({ width: size, height: size, channels, data: planarToInterleaved(image, channels, size * size) }), { mode: FILE_MODE });
        predictions.push({ prediction_id: `p-${callId}-${String(k).padStart(6, '0')}`, params: combos[Math.floor(k / count)]!, seed: seed + k, FILE: registry.relative(path.join(final, name)) });
      });
      options.onProgress?.({ task: `predict ${run.run_id}`, done: start + ks.length, total, unit: 'images' });
    }
    fs.writeFileSync(path.join(staging.temp, CONTACT_SHEET_NAME), await sheet.png(), { mode: FILE_MODE });
    fs.writeFileSync(path.join(staging.temp, path.basename(pending)), '', { mode: FILE_MODE });
    staging.commit();
  } catch (e) {
    staging?.abort();
    throw e;
  } finally {
    gan.dispose();
  }

  try {
    const created = now();
    await registry.transaction(async (tx) => {
      for (const c of params.conditions) {
        const type = c.kind === 'continuous' ? 'float' : c.levels.every((l) => typeof l === 'number' && Number.isInteger(l)) ? 'integer' : 'text';
        await tx.ensureColumn('ml_predictions', c.name, type);
      }
      const rows: Row[] = predictions.map((p) => ({
        prediction_id: p.prediction_id,
        run_id: run.run_id,
        ...p.params,
        params: JSON.stringify(p.params),
        seed: p.seed,
        epoch,
        FILE: p.FILE,
        created_at: created,
      }));
      await tx.insert('ml_predictions', rows);
    });
  } catch (e) {
    removeTreeSync(final);
    throw e;
  }
  fs.rmSync(pending, { force: true });

  const result: PredictGanResult = {
    run_id: run.run_id,
    epoch,
    checkpoint: registry.relative(checkpoint),
    seed,
    predictions,
    FILE_contact_sheet: registry.relative(path.join(final, CONTACT_SHEET_NAME)),
  };
  if (options.exportCinema !== undefined) {
    const columns = ['prediction_id', 'run_id', ...params.conditions.map((c) => c.name), 'seed', 'epoch', 'FILE'];
    await store.write(options.exportCinema, { writer: 'cinema', query: registry.predictions.callQuery(callId, columns) });
    result.cinema = options.exportCinema;
  }
  return result;
}

const PENDING_MARKER = /^\.dsi-rows-pending-([0-9a-f]{8})-([1-9]\d*)$/;

/**
 * Removes the call folders of `folder` (a run's `predictions/`) whose call was killed between the
 * folder's rename and its rows' commit: a folder with a `.dsi-rows-pending-HOST-PID` marker of a
 * process that is gone (src/atomic-write.ts's rule) and no row in `ml_predictions`. A marker whose
 * rows are stored is removed alone. A live call's folder is never touched.
 */
async function removeUnrecordedCalls(store: Store, folder: string): Promise<number> {
  let calls: string[];
  try {
    calls = fs.readdirSync(folder).filter((n) => /^[0-9a-f]{8}$/.test(n));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const call of calls) {
    let markers: string[];
    try {
      markers = fs.readdirSync(path.join(folder, call)).filter((n) => PENDING_MARKER.test(n));
    } catch {
      continue;
    }
    for (const marker of markers) {
      const [, host, pid] = PENDING_MARKER.exec(marker)!;
      const file = path.join(folder, call, marker);
      let mtimeMs: number;
      try {
        mtimeMs = fs.statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (!isAbandoned(host!, Number(pid), mtimeMs)) continue;
      const hasTable = (await store.tables()).some((t) => t.toLowerCase() === 'ml_predictions');
      const stored = hasTable ? await store.query('SELECT COUNT(*) AS n FROM ml_predictions WHERE prediction_id LIKE ?', [`p-${call}-%`]) : [{ n: 0 }];
      if (Number(stored[0]?.['n'] ?? 0) > 0) fs.rmSync(file, { force: true });
      else {
        removeTreeSync(path.join(folder, call));
        removed++;
      }
      break;
    }
  }
  return removed;
}

/** Planar (C × H·W) pixels as the interleaved layout PNG encoders take. */
function planarToInterleaved(planar: Uint8Array, channels: number, area: number): Uint8Array {
  if (channels === 1) return planar;
  const out = new Uint8Array(planar.length);
  for (let c = 0; c < channels; c++) for (let i = 0; i < area; i++) out[i * channels + c] = planar[c * area + i]!;
  return out;
}
