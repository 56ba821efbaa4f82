/**
 * A child run's training data: its parent's data query plus generated images that met the
 * evaluation's standards (accepted predictions). The included predictions are fixed when the
 * child starts and recorded in `ml_runs.included_predictions`, so a resumed child sees the same
 * images, and the lineage says exactly which generated images each model learned from.
 */
import crypto from 'node:crypto';
import { MlError } from '../../errors.js';
import { loadImages } from '../../images/load-images.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import type { GanRunParams } from '../registry/run-params.js';
import { RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { loadTrainingData, type TrainingData } from './training-data.js';

/** What of a run's recorded parameters the data depends on. */
type RunDataParams = Pick<GanRunParams, 'image_column' | 'condition_columns' | 'conditions' | 'size' | 'channels'>;

/**
 * The predictions a child of `parent` includes: those its parent included (so a grandchild keeps
 * everything its ancestors learned from) and the parent's own accepted predictions, in that order.
 */
export async function predictionsToInclude(store: Store, parent: RunRecord): Promise<{ ids: string[]; accepted: number }> {
  const own = await new RunRegistry(store).predictions.acceptedIds(parent.run_id);
  const seen = new Set(parent.included_predictions);
  return { ids: [...parent.included_predictions, ...own.filter((id) => !seen.has(id))], accepted: own.length };
}

/**
 * The images and conditions of a run: `query`'s rows, then the `included` predictions' images
 * (at the run's size and channels) with their conditioning values. The hash covers both, so a
 * resume notices when either changed.
 */
export async function loadRunData(store: Store, params: RunDataParams, query: string, included: readonly string[], onProgress?: ProgressCallback): Promise<TrainingData> {
  const base = await loadTrainingData(store, {
    query,
    ...(params.image_column === null ? {} : { imageColumn: params.image_column }),
    conditionColumns: params.condition_columns,
    categorical: params.conditions.filter((c) => c.kind === 'categorical').map((c) => c.name),
    continuous: params.conditions.filter((c) => c.kind === 'continuous').map((c) => c.name),
    size: params.size,
    channels: params.channels,
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  if (included.length === 0) return base;

  const sql = new RunRegistry(store).predictions.idsQuery(included);
  const extra = await loadImages(store, sql, { imageColumn: 'FILE', size: params.size, channels: params.channels, cache: false, ...(store.dataFolder === undefined ? {} : { within: store.dataFolder }) });
  if (extra.count !== included.length) {
    const found = new Set(extra.columns['prediction_id']?.map(String) ?? []);
    const missing = included.filter((id) => !found.has(id));
    throw new MlError('E_ML_DATA', `${missing.length} included prediction(s) no longer exist in ml_predictions (first: ${missing[0]}); was their run deleted?`);
  }
  // The query returned them sorted by id; put them back in the recorded order.
  const position = new Map((extra.columns['prediction_id'] ?? []).map((id, i) => [String(id), i]));
  const plane = params.channels * params.size * params.size;
  const pixels = new Uint8Array(base.images.pixels.length + included.length * plane);
  pixels.set(base.images.pixels, 0);
  const extraRows: Record<string, Cell>[] = [];
  included.forEach((id, k) => {
    const i = position.get(id)!;
    pixels.set(extra.pixels.subarray(i * plane, (i + 1) * plane), base.images.pixels.length + k * plane);
    const row: Record<string, Cell> = {};
    for (const c of params.condition_columns) {
      const v = extra.columns[c]?.[i] ?? null;
      if (v === null) throw new MlError('E_ML_DATA', `prediction ${id} has no value for the conditioning column ${c}`);
      row[c] = v;
    }
    extraRows.push(row);
  });

  const hash = crypto.createHash('sha256');
  hash.update(base.hash);
  hash.update(pixels.subarray(base.images.pixels.length));
  hash.update(JSON.stringify(included));
  const files = [...base.images.files, ...included.map((id) => extra.files[position.get(id)!]!)];
  return {
    ...base,
    // `columns` keeps the query's rows only: training reads the conditions from `conditionRows`.
    images: { ...base.images, pixels, count: base.images.count + included.length, files },
    conditionRows: [...base.conditionRows, ...extraRows],
    hash: hash.digest('hex'),
  };
}
