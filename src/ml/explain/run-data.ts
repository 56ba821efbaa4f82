/**
 * The data an explanation of a run reads: the rows of the query the run was trained on (row N is
 * the N-th row of that query's result, 1-based), the images in their image column, and stored
 * predictions. Images are decoded and converted by `loadImages`'s own `decode` and `place` (same
 * decoder, channel conversion and resampling), but only the few files an explanation needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { containedPath } from '../../contained-path.js';
import { MlError } from '../../errors.js';
import { decode, place, type Target } from '../../images/load-images.js';
import type { TargetChannels } from '../../images/planar-pixels.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import { RunRegistry } from '../registry/run-registry.js';
import type { FeatureCell } from './tabular-masker.js';

/** The rows `query` selects, in its order; a query that fails is an `E_ML_DATA` error naming the run. */
export async function runRows(store: Store, query: string, runId: string): Promise<Row[]> {
  let rows: Row[];
  try {
    rows = await store.query(query);
  } catch (e) {
    throw new MlError('E_ML_DATA', `the data query of run ${runId} no longer runs (${e instanceof Error ? e.message : String(e)}): ${query}`, { cause: e });
  }
  if (rows.length === 0) throw new MlError('E_ML_DATA', `the data query of run ${runId} selects no rows now: ${query}`);
  return rows;
}

/** Row `row` (1-based) of `rows`, or an `E_ML_ARGUMENT` error saying which rows exist. */
export function rowAt(rows: readonly Row[], row: number, runId: string): Row {
  if (!Number.isInteger(row) || row < 1 || row > rows.length) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('row')} must be from 1 to ${rows.length} (the rows of the data query of run ${runId}), got ${String(row)}`);
  }
  return rows[row - 1]!;
}

/** The image column of `row`: the one the run recorded, else its only `FILE…` column. */
export function imageColumnOf(row: Row, recorded: string | null | undefined, runId: string): string {
  const names = Object.keys(row);
  if (recorded) {
    const found = names.find((n) => n.toLowerCase() === recorded.toLowerCase());
    if (found === undefined) throw new MlError('E_ML_DATA', `the data query of run ${runId} no longer has its image column "${recorded}"`);
    return found;
  }
  const files = names.filter((n) => /^file/i.test(n));
  if (files.length !== 1) throw new MlError('E_ML_DATA', `the data query of run ${runId} has ${files.length === 0 ? 'no FILE column' : `several FILE columns (${files.join(', ')})`}; cannot tell which holds the images`);
  return files[0]!;
}

/** The value of column `name` in `row`, matched case-insensitively. */
export function cellOf(row: Row, name: string): Cell | undefined {
  if (name in row) return row[name];
  const key = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : row[key];
}

/** A store cell as a feature cell: bigints become numbers. */
export function featureCell(v: Cell | undefined): FeatureCell {
  if (v === undefined || v === null) return null;
  return typeof v === 'bigint' ? Number(v) : v;
}

/**
 * The images at `files` (paths relative to the store's folder, or absolute) as one
 * N × C × size × size uint8 array, converted and resized as `loadImages` does.
 */
export async function readImageFiles(store: Store, files: readonly Cell[], size: number, channels: TargetChannels, what: string): Promise<Uint8Array> {
  const target: Target = { height: size, width: size, channels, resize: true };
  const out = new Uint8Array(files.length * channels * size * size);
  for (let i = 0; i < files.length; i++) {
    const value = files[i];
    if (typeof value !== 'string' || value === '') throw new MlError('E_ML_DATA', `${what}: no image path (got ${value === null || value === undefined ? 'NULL' : JSON.stringify(String(value))})`);
    const file = path.resolve(store.fileRoot, value);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      throw new MlError('E_ML_DATA', `${what}: the image ${value} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
    }
    place(await decode(bytes, file), target, out, i, file, file);
  }
  return out;
}

/** The stored prediction `id` (a row of `ml_predictions`), or an `E_ML_ARGUMENT` error; its FILE, if any, checked to lie inside the data folder. */
export async function predictionRow(store: Store, id: string): Promise<Row> {
  if (typeof id !== 'string' || id === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('prediction')} must be a prediction id, got ${JSON.stringify(id)}`);
  const row = await new RunRegistry(store).predictions.byId(id);
  if (row === undefined) throw new MlError('E_ML_ARGUMENT', `no prediction "${id}" in this store (query ml_predictions for the ids)`);
  const file = row['FILE'];
  if (typeof file === 'string' && file !== '' && store.dataFolder !== undefined) containedPath(store.dataFolder, file, { base: store.fileRoot, origin: `ml_predictions.FILE of ${id}` });
  return row;
}

/** A prediction's `params` JSON as an object of condition values. */
export function predictionParams(prediction: Row): Record<string, Cell> {
  const text = prediction['params'];
  if (text === null || text === undefined) return {};
  try {
    return JSON.parse(String(text)) as Record<string, Cell>;
  } catch {
    throw new MlError('E_ML_DATA', `prediction ${String(prediction['prediction_id'])} has params that are not JSON: ${String(text)}`);
  }
}
