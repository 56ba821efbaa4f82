/**
 * What a run was trained on, as validation and the choice of new points need it: the rows of
 * its recorded training query (`ml_runs.data_query`), their condition values scaled into the
 * run's parameter space, and (for validation) their images at the model's size and channels,
 * loaded as training loaded them (src/images/load-images.ts: same resampling, same channel
 * conversion), plus the images' own size before any resampling.
 *
 * The image column is the one the run recorded (`params.image_column`), else the query's only
 * `FILE…` column. Rows added by a child run's accepted predictions are not part of it.
 */
import { MlError } from '../../errors.js';
import { decode, loadImages, type LoadedImages } from '../../images/load-images.js';
import fs from 'node:fs';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { storedParams, type RunRecord } from '../registry/run-record.js';
import type { ImagePredictor } from '../predict/image-predictor.js';
import type { ParameterSpace } from './parameter-space.js';

export interface TrainingSet {
  /** The query trained on. */
  readonly query: string;
  /** The image column the run recorded, or undefined for the query's only FILE column. */
  readonly imageColumn: string | undefined;
  /** The training images at the model's size: `count × channels × size × size` bytes (kept as bytes: MNIST's are 47 MB so, 188 MB as floats). */
  readonly pixels: Uint8Array;
  readonly count: number;
  /** The query's columns, in row order. */
  readonly columns: Readonly<Record<string, Cell[]>>;
  /** Each row's condition values, and scaled (parameter-space.ts). */
  readonly points: readonly Record<string, Cell>[];
  readonly scaled: readonly Float64Array[];
  /** The first image's own side in pixels, before resampling to the model's size. */
  readonly nativeSize: number;
}

/** The run's training query, refused when the run recorded none. */
export function trainingQuery(run: RunRecord): string {
  if (run.data_query.trim() === '') throw new MlError('E_ML_RUN', `run ${run.run_id} records no training query (ml_runs.data_query), so its training points are unknown`);
  return run.data_query;
}

/** The image column the run recorded, if any. */
export function recordedImageColumn(run: RunRecord): string | undefined {
  const column = storedParams(run)['image_column'];
  return typeof column === 'string' && column !== '' ? column : undefined;
}

/** Each row's condition values; `E_ML_DATA` naming the column when a condition is not one of the query's columns. */
export function conditionPoints(columns: Readonly<Record<string, Cell[]>>, count: number, space: ParameterSpace, what: string): Record<string, Cell>[] {
  for (const c of space.conditions) {
    if (columns[c.name] === undefined) throw new MlError('E_ML_DATA', `${what} has no column ${c.name}, a condition of the run (its columns: ${Object.keys(columns).join(', ')})`);
  }
  return Array.from({ length: count }, (_, i) => Object.fromEntries(space.conditions.map((c) => [c.name, columns[c.name]![i] ?? null])));
}

/** Pixels as floats in [0, 1]. */
export function unitPixels(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 255;
  return out;
}

/** The training images, points and native size of `run` (see the file comment). */
export async function loadTrainingSet(store: Store, run: RunRecord, predictor: ImagePredictor, space: ParameterSpace): Promise<TrainingSet> {
  const query = trainingQuery(run);
  const imageColumn = recordedImageColumn(run);
  const loaded: LoadedImages = await loadImages(store, query, { ...(imageColumn === undefined ? {} : { imageColumn }), size: predictor.size, channels: predictor.channels });
  if (loaded.count === 0) throw new MlError('E_ML_DATA', `the training query of run ${run.run_id} now selects no images the caller may read: ${query}`);
  const points = conditionPoints(loaded.columns, loaded.count, space, `the training query of run ${run.run_id}`);
  const first = loaded.files[0]!;
  const header = await decode(fs.readFileSync(first), first);
  return {
    query,
    imageColumn,
    pixels: loaded.pixels,
    count: loaded.count,
    columns: loaded.columns,
    points,
    scaled: points.map((p) => space.scaled(p)),
    nativeSize: header.width,
  };
}

/** Only the training rows' scaled condition values (no image is read): for ranking candidates. */
export async function trainingPoints(store: Store, run: RunRecord, space: ParameterSpace): Promise<Float64Array[]> {
  const rows = await store.query(trainingQuery(run));
  const present = rows.length === 0 ? space.conditions.map((c) => c.name) : Object.keys(rows[0]!);
  const columns = Object.fromEntries(space.conditions.filter((c) => present.includes(c.name)).map((c) => [c.name, rows.map((r) => r[c.name] ?? null)]));
  return conditionPoints(columns, rows.length, space, `the training query of run ${run.run_id}`).map((p) => space.scaled(p));
}
