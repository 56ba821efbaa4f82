/**
 * Predict images with any model that predicts an image from parameters (an {@link ImagePredictor}:
 * a GAN, a surrogate), for chosen parameter combinations, and write them as PNGs in the run's
 * folder and as rows of `ml_predictions`. The combinations come from `params` and `grid`
 * (parameter-grid.ts) or from a `points` file (points-file.ts), never both.
 *
 * ```ts
 * const out = await predictImages(store, { run: 'gan-20261127-053512-a1b2', points: 'points.csv', count: 4, seed: 1 });
 * ```
 *
 * Seeds. A stochastic model's image k of a call uses seed S + k (S the `seed` option, or a random
 * one, recorded), so each row carries the seed that reproduces it. A deterministic model's image
 * depends on its parameters alone: `count` above 1 and `seed` are refused, and its rows' seed is
 * NULL. Each row's `extrapolated` (0 or 1) says whether a continuous parameter lies outside the
 * range the run trained on, which is refused unless `allowExtrapolation` is given.
 *
 * Pixels. A predictor that has its own 8-bit mapping (a GAN's `predictPixels`, gan-predictor.ts)
 * is written with it, so a GAN's PNG bytes are those its generator has always given; any other's
 * floats in [0, 1] become round(255 · v).
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
 * removed). One call makes at most {@link CALL_LIMITS}.predictImages images, with seeds
 * S … S + N − 1 within the 32-bit seeds (checkSeed).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beginAtomicFolderSync, FILE_MODE, isAbandoned, removeStaleEntriesSync, removeTreeSync, THIS_HOST, type AtomicTarget } from '../../atomic-write.js';
import { MlError, type OptionSpelling } from '../../errors.js';
import { encodePng } from '../../images/png-codec.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import { CALL_LIMITS, checkCallSize, checkSeed } from '../call-limits.js';
import { resolveDevice } from '../device.js';
import { now, RunRegistry } from '../registry/run-registry.js';
import { ML_PREDICTIONS } from '../registry/tables.js';
import { CONTACT_SHEET_NAME, ContactSheet } from './contact-sheet.js';
import type { GanPredictor } from './gan-predictor.js';
import { GENERATE_BATCH } from './generate-images.js';
import { openImagePredictor, type ImagePredictor } from './image-predictor.js';
import { isExtrapolated, parameterCombinations, type CombinationRequest } from './parameter-grid.js';
import { readPointsFile } from './points-file.js';

export interface PredictImagesOptions extends CombinationRequest {
  readonly run: string;
  /** A CSV file of points, one combination per row, its header naming every parameter (instead of `params` and `grid`). */
  readonly points?: string;
  /** Images per combination (default 1; a deterministic model takes 1 only). */
  readonly count?: number;
  /** Image k of the call uses seed `seed + k` (default: a random seed, recorded); a deterministic model takes none. */
  readonly seed?: number;
  /** The checkpoint of this epoch instead of the run's latest. */
  readonly epoch?: number;
  readonly device?: string;
  /** Also export the call's predictions as a Cinema database (a folder named NAME.cdb). */
  readonly exportCinema?: string;
  readonly onProgress?: ProgressCallback;
}

export interface ImagePrediction {
  prediction_id: string;
  params: Record<string, Cell>;
  /** The seed that reproduces the image; null for a deterministic model. */
  seed: number | null;
  /** Whether a continuous parameter lies outside the range trained on. */
  extrapolated: boolean;
  FILE: string;
}

export interface PredictImagesResult {
  run_id: string;
  /** The run's kind (`gan`, `surrogate`, …). */
  kind: string;
  epoch: number;
  checkpoint: string;
  /** The first image's seed; null for a deterministic model. */
  seed: number | null;
  predictions: ImagePrediction[];
  /** The call's contact sheet, relative to the store like every `FILE…` path. */
  FILE_contact_sheet: string;
  cinema?: string;
}

/** Predicts images with run `options.run` (any kind `openImagePredictor` opens) and records them; see the file header. */
export async function predictImages(store: Store, options: PredictImagesOptions): Promise<PredictImagesResult> {
  const registry = new RunRegistry(store);
  const count = options.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('count')} must be a positive whole number, got ${String(options.count)}`);
  const limit = CALL_LIMITS.predictImages;
  const batching = (o: OptionSpelling): string => `make several calls of at most ${limit} images, each with its own ${o('seed')} (the next call's seed is this one's plus its image count)`;
  checkCallSize('count', count, limit, batching, 'images per combination');
  if (options.points !== undefined && (options.params !== undefined || options.grid !== undefined)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `give the combinations either as a ${o('points')} file or with ${o('params')} and ${o('grid')}, not both`);
  }
  if (options.exportCinema !== undefined && !/\.cdb$/i.test(options.exportCinema.replace(/[\\/]+$/, ''))) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('exportCinema')} takes a folder named NAME.cdb, got "${options.exportCinema}"`);
  }
  const device = resolveDevice(options.device ?? 'cpu');

  const predictor = await openImagePredictor(store, options.run, { device, ...(options.epoch === undefined ? {} : { epoch: options.epoch }) });
  const run = predictor.run;
  const conditions = predictor.conditions;
  const callId = crypto.randomBytes(4).toString('hex');
  const folder = registry.runPath(run.run_id, 'predictions');
  const final = path.join(folder, callId);
  const pending = path.join(final, `.dsi-rows-pending-${THIS_HOST}-${process.pid}`);
  const predictions: ImagePrediction[] = [];
  let seed: number | null = null;
  let staging: AtomicTarget | undefined;
  try {
    const taken = new Set(ML_PREDICTIONS.columns.map((c) => c.name.toLowerCase()));
    const clash = conditions.find((c) => taken.has(c.name.toLowerCase()));
    if (clash) throw new MlError('E_ML_RUN', `the model's parameter "${clash.name}" has the name of an ml_predictions column; its predictions cannot be stored`);
    const { combos, extrapolated } = await combinationsOf(predictor, options);
    if (!predictor.stochastic) {
      const why = `run ${run.run_id} is a deterministic ${run.kind} model: its image depends on the parameters alone`;
      if (count > 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('count')} must be 1 for run ${run.run_id}, got ${count}; ${why}, so every image of a combination would be the same`);
      if (options.seed !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('seed')} has no effect on run ${run.run_id}; ${why}`);
    }
    const total = combos.length * count;
    checkCallSize('count', total, limit, batching, `images (${combos.length} combination${combos.length === 1 ? '' : 's'} × ${count})`);
    if (predictor.stochastic) seed = checkSeed('seed', options.seed ?? Math.floor(Math.random() * 2 ** 31), total);

    // What killed calls left behind, this run's or any other's, goes now (live writers' stays).
    registry.sweepPredictionStaging();
    await removeUnrecordedCalls(store, folder);
    // Staging folders of earlier versions (`.tmp-CALL_ID`, no owner recorded) are removed once a day old.
    removeStaleEntriesSync(folder, (name, entry) => /^\.tmp-[0-9a-f]{8}$/.test(name) && Date.now() - fs.statSync(entry).mtimeMs > 24 * 60 * 60 * 1000);
    staging = beginAtomicFolderSync(final);
    const { channels, size } = predictor;
    const plane = channels * size * size;
    const sheet = new ContactSheet(combos, count, { channels, size });
    // A batch at a time: memory stays one batch of pixels whatever the call's size.
    for (let start = 0; start < total; start += GENERATE_BATCH) {
      const ks = Array.from({ length: Math.min(GENERATE_BATCH, total - start) }, (_, j) => start + j);
      const batch = ks.map((k) => combos[Math.floor(k / count)]!);
      const pixels = pixelsOf(predictor, batch, seed === null ? undefined : ks.map((k) => seed! + k));
      ks.forEach((k, j) => {
        const name = `${String(k).padStart(6, '0')}.png`;
        const image = pixels.subarray(j * plane, (j + 1) * plane);
        sheet.offer(k, image);
        fs.writeFileSync(path.join(staging!.temp, name), encodePng({ width: size, height: size, channels, data: planarToInterleaved(image, channels, size * size) }), { mode: FILE_MODE });
        const combo = Math.floor(k / count);
        predictions.push({
          prediction_id: `p-${callId}-${String(k).padStart(6, '0')}`,
          params: combos[combo]!,
          seed: seed === null ? null : seed + k,
          extrapolated: extrapolated[combo]!,
          FILE: registry.relative(path.join(final, name)),
        });
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
    predictor.dispose();
  }

  try {
    const created = now();
    await registry.transaction(async (tx) => {
      for (const c of conditions) {
        const type = c.kind === 'continuous' ? 'float' : c.levels.every((l) => typeof l === 'number' && Number.isInteger(l)) ? 'integer' : 'text';
        await tx.ensureColumn('ml_predictions', c.name, type);
      }
      const rows: Row[] = predictions.map((p) => ({
        prediction_id: p.prediction_id,
        run_id: run.run_id,
        ...p.params,
        params: JSON.stringify(p.params),
        seed: p.seed,
        epoch: predictor.epoch,
        extrapolated: p.extrapolated ? 1 : 0,
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

  const result: PredictImagesResult = {
    run_id: run.run_id,
    kind: run.kind,
    epoch: predictor.epoch,
    checkpoint: predictor.checkpoint,
    seed,
    predictions,
    FILE_contact_sheet: registry.relative(path.join(final, CONTACT_SHEET_NAME)),
  };
  if (options.exportCinema !== undefined) {
    const columns = ['prediction_id', 'run_id', ...conditions.map((c) => c.name), 'seed', 'epoch', 'FILE'];
    await store.write(options.exportCinema, { writer: 'cinema', query: registry.predictions.callQuery(callId, columns) });
    result.cinema = options.exportCinema;
  }
  return result;
}

/** The combinations asked for (from a points file, or parameters and grids) and, per combination, whether it extrapolates. */
async function combinationsOf(predictor: ImagePredictor, options: PredictImagesOptions): Promise<{ combos: readonly Readonly<Record<string, Cell>>[]; extrapolated: readonly boolean[] }> {
  const allowExtrapolation = options.allowExtrapolation ?? false;
  const { conditions } = predictor;
  if (options.points !== undefined) {
    const file = await readPointsFile(options.points, conditions, { allowExtrapolation });
    return { combos: file.points, extrapolated: file.extrapolated };
  }
  if (conditions.length > 0 && options.params === undefined && options.grid === undefined) {
    throw new MlError(
      'E_ML_ARGUMENT',
      (o) => `give a value for every parameter of the model: ${conditions.map((c) => c.name).join(', ')} missing (${o('params')} name=value or ${o('grid')} name=SPEC), or a ${o('points')} file`,
    );
  }
  const combos = parameterCombinations(conditions, options);
  return { combos, extrapolated: combos.map((c) => isExtrapolated(conditions, c)) };
}

/** A predictor with its own 8-bit mapping (a GAN's). */
function hasOwnPixels(p: ImagePredictor): p is GanPredictor {
  return typeof (p as Partial<GanPredictor>).predictPixels === 'function';
}

/** The images of `combos` as planar uint8 samples. */
function pixelsOf(predictor: ImagePredictor, combos: readonly Readonly<Record<string, Cell>>[], seeds: readonly number[] | undefined): Uint8Array {
  const options = seeds === undefined ? {} : { seeds };
  if (hasOwnPixels(predictor)) return predictor.predictPixels(combos, options);
  const values = predictor.predict(combos, options);
  const expected = combos.length * predictor.channels * predictor.size * predictor.size;
  if (!(values instanceof Float32Array) || values.length !== expected) {
    throw new MlError('E_ML_RUN', `the ${predictor.run.kind} predictor of run ${predictor.run.run_id} gave ${values instanceof Float32Array ? `${values.length} values` : 'no Float32Array'} for ${combos.length} images of ${predictor.channels} × ${predictor.size} × ${predictor.size}`);
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = values[i]! * 255;
    // NaN fails both comparisons and stays 0.
    out[i] = s >= 255 ? 255 : s > 0 ? Math.round(s) : 0;
  }
  return out;
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
