/**
 * A child run's training data: its parent's data query plus generated images that met the
 * evaluation's standards (accepted predictions). The included predictions are fixed when the
 * child starts and recorded in `ml_runs.included_predictions`, so a resumed child sees the same
 * images, and the lineage says exactly which generated images each model learned from.
 *
 * Runs of other kinds learn from another run's accepted predictions too (`includeAcceptedFrom`):
 * a classifier from their images labelled by a conditioning value, an emulator from their
 * conditioning values as rows. `acceptedPredictionsOf` and `loadPredictionImages` serve them.
 */
import crypto from 'node:crypto';
import { MlError } from '../../errors.js';
import { loadImages } from '../../images/load-images.js';
import type { TargetChannels } from '../../images/planar-pixels.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import type { GanRunParams } from '../registry/run-params.js';
import { RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { loadTrainingData, type TrainingData } from './training-data.js';

/** Images of predictions, in the order asked for, with each one's `ml_predictions` row. */
export interface PredictionImages {
  /** uint8 planar pixels, `channels × size × size` per image. */
  readonly pixels: Uint8Array;
  readonly files: string[];
  /** Each prediction's `ml_predictions` columns (its conditioning parameters among them). */
  readonly rows: Record<string, Cell>[];
}

/**
 * The images of the predictions `ids` (read from their files at `size` and `channels`), in the
 * order of `ids`. `E_ML_DATA` naming the first missing one when some no longer exist.
 */
export async function loadPredictionImages(store: Store, ids: readonly string[], size: number, channels: TargetChannels): Promise<PredictionImages> {
  const sql = new RunRegistry(store).predictions.idsQuery(ids);
  const extra = await loadImages(store, sql, { imageColumn: 'FILE', size, channels, cache: false, ...(store.dataFolder === undefined ? {} : { within: store.dataFolder }) });
  if (extra.count !== ids.length) {
    const found = new Set(extra.columns['prediction_id']?.map(String) ?? []);
    const missing = ids.filter((id) => !found.has(id));
    throw new MlError('E_ML_DATA', `${missing.length} included prediction(s) no longer exist in ml_predictions (first: ${missing[0]}); was their run deleted?`);
  }
  // The query returned them sorted by id; put them back in the order asked for.
  const position = new Map((extra.columns['prediction_id'] ?? []).map((id, i) => [String(id), i]));
  const plane = channels * size * size;
  const pixels = new Uint8Array(ids.length * plane);
  const names = Object.keys(extra.columns);
  const rows = ids.map((id, k) => {
    const i = position.get(id)!;
    pixels.set(extra.pixels.subarray(i * plane, (i + 1) * plane), k * plane);
    return Object.fromEntries(names.map((c) => [c, extra.columns[c]![i] ?? null])) as Record<string, Cell>;
  });
  return { pixels, files: ids.map((id) => extra.files[position.get(id)!]!), rows };
}

/**
 * The accepted predictions of run `runId`, for a run of another kind to learn from
 * (`includeAcceptedFrom`): `E_ML_RUN` for an unknown run, `E_ML_DATA` naming how to accept some
 * when it has none.
 */
export async function acceptedPredictionsOf(store: Store, runId: string, option: string): Promise<{ run: RunRecord; ids: string[] }> {
  if (typeof runId !== 'string' || runId.trim() === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} must name a run, got ${JSON.stringify(runId)}`);
  const registry = new RunRegistry(store);
  const run = await registry.get(runId);
  const ids = await registry.predictions.acceptedIds(run.run_id);
  if (ids.length === 0) {
    const made = await registry.predictions.count(run.run_id);
    const why =
      made > 0
        ? 'accept some first (by a rule such as "score >= 0.9", or from the reviewers\' verdicts)'
        : run.kind === 'regressor'
          ? 'an emulator writes its predictions to a table of its own, not to ml_predictions; name a run that generated predictions (a GAN)'
          : `it has no predictions; predict with it, then accept some`;
    throw new MlError('E_ML_DATA', `run ${run.run_id} has no accepted predictions: ${why}`);
  }
  return { run, ids };
}

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

  const extra = await loadPredictionImages(store, included, params.size, params.channels);
  const plane = params.channels * params.size * params.size;
  const pixels = new Uint8Array(base.images.pixels.length + included.length * plane);
  pixels.set(base.images.pixels, 0);
  pixels.set(extra.pixels, base.images.pixels.length);
  const extraRows: Record<string, Cell>[] = extra.rows.map((r, k) => {
    const row: Record<string, Cell> = {};
    for (const c of params.condition_columns) {
      const v = r[c] ?? null;
      if (v === null) throw new MlError('E_ML_DATA', `prediction ${included[k]} has no value for the conditioning column ${c}`);
      row[c] = v;
    }
    return row;
  });

  const hash = crypto.createHash('sha256');
  hash.update(base.hash);
  hash.update(pixels.subarray(base.images.pixels.length));
  hash.update(JSON.stringify(included));
  const files = [...base.images.files, ...extra.files];
  return {
    ...base,
    // `columns` keeps the query's rows only: training reads the conditions from `conditionRows`.
    images: { ...base.images, pixels, count: base.images.count + included.length, files },
    conditionRows: [...base.conditionRows, ...extraRows],
    hash: hash.digest('hex'),
  };
}
