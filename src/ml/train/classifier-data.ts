/**
 * The labelled images a classifier trains and is measured on: the label column's values checked,
 * its levels (sorted as conditioning levels are), each image's class index, the default test
 * query and the hash that tells a resumed run its data is unchanged; and generated images added
 * to the training images, labelled by the value of the label column they were generated for.
 */
import crypto from 'node:crypto';
import { MlError, StoreError } from '../../errors.js';
import { loadImages, type LoadedImages } from '../../images/load-images.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { inferConditions } from '../data/condition-columns.js';
import { loadPredictionImages } from '../data/included-predictions.js';
import type { TrainingData } from '../data/training-data.js';
import { MAX_CLASSES } from '../models/classifier.js';

/** Images with each one's class index (into the levels). */
export interface LabelledImages {
  readonly query: string;
  readonly images: LoadedImages;
  readonly classes: Int32Array;
}

const levelKey = (v: Cell): string | number => (typeof v === 'bigint' ? Number(v) : (v as string | number));

/** The label column's values of `images`, refused when missing or NULL; `what` names the query in messages. */
export function labelValues(images: LoadedImages, labelColumn: string, what: string): Cell[] {
  const values = images.columns[labelColumn];
  if (values === undefined) {
    const others = Object.keys(images.columns);
    throw new MlError('E_ML_DATA', `the ${what} has no label column "${labelColumn}" (it returns ${others.join(', ') || 'only the image column'})`);
  }
  const nullRow = values.findIndex((v) => v === null);
  if (nullRow >= 0) throw new MlError('E_ML_DATA', `label column "${labelColumn}" is NULL in row ${nullRow + 1} of the ${what}; filter such rows out (WHERE ${labelColumn} IS NOT NULL)`);
  const odd = values.findIndex((v) => typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'string');
  if (odd >= 0) throw new MlError('E_ML_DATA', `label column "${labelColumn}" holds a ${typeof values[odd]} in row ${odd + 1} of the ${what}; labels are numbers or text`);
  return values;
}

/** The levels of a label column, sorted as conditioning levels are (numbers numerically). */
export function levelsOf(labelColumn: string, values: Cell[]): (string | number)[] {
  const [spec] = inferConditions([labelColumn], { [labelColumn]: values }, { categorical: [labelColumn] });
  const levels = spec!.kind === 'categorical' ? [...spec!.levels] : [];
  if (levels.length < 2) throw new MlError('E_ML_DATA', `label column "${labelColumn}" holds ${levels.length === 1 ? `only one value (${JSON.stringify(levels[0])})` : 'no value'}; a classifier needs at least 2 classes`);
  if (levels.length > MAX_CLASSES) throw new MlError('E_ML_DATA', `label column "${labelColumn}" holds ${levels.length} distinct values; a classifier takes at most ${MAX_CLASSES} classes`);
  return levels;
}

export function classIndices(values: Cell[], levels: readonly (string | number)[], labelColumn: string, what: string): Int32Array {
  const index = new Map<string | number, number>(levels.map((l, i) => [l, i]));
  const out = new Int32Array(values.length);
  values.forEach((v, i) => {
    const k = index.get(levelKey(v));
    if (k === undefined) {
      const shown = levels.length <= 12 ? levels.map((l) => JSON.stringify(l)).join(', ') : `${levels.slice(0, 10).map((l) => JSON.stringify(l)).join(', ')}, … (${levels.length})`;
      throw new MlError('E_ML_DATA', (o) => `label ${JSON.stringify(levelKey(v))} in row ${i + 1} of the ${what} was not in the training data (its labels: ${shown}); give a ${o('testQuery')} with only those labels`);
    }
    out[i] = k;
  });
  return out;
}

/** The default test query: the source table's `split = 'test'` rows when it has a `split` column. */
export async function defaultTestQuery(store: Store, table: string | null): Promise<string | null> {
  if (table === null) return null;
  let info;
  try {
    info = await store.describe(table);
  } catch {
    return null;
  }
  if (!info.columns.some((c) => c.name.toLowerCase() === 'split')) return null;
  return `SELECT * FROM "${info.name.replace(/"/g, '""')}" WHERE split = 'test'`;
}

export async function loadTestImages(
  store: Store,
  query: string,
  explicit: boolean,
  labelColumn: string,
  levels: readonly (string | number)[],
  train: LoadedImages,
  imageColumn: string | undefined,
  onProgress: ProgressCallback | undefined,
): Promise<LabelledImages | undefined> {
  let images: LoadedImages;
  try {
    images = await loadImages(store, query, {
      size: [train.height, train.width],
      channels: train.channels,
      ...(imageColumn === undefined ? {} : { imageColumn }),
      ...(onProgress === undefined ? {} : { onProgress }),
    });
  } catch (e) {
    if (e instanceof StoreError && e.code !== 'E_SQL' && e.code !== 'E_READ_ONLY' && e.code !== 'E_TABLE_MISSING') {
      throw new MlError('E_ML_DATA', e.message.replace('loadImages: ', 'the test query: '), { cause: e });
    }
    throw e;
  }
  if (images.count === 0) {
    if (!explicit) return undefined; // the table has a split column but no test rows: no test set
    throw new MlError('E_ML_DATA', `the test query returned no rows: ${query}`);
  }
  const classes = classIndices(labelValues(images, labelColumn, 'test query'), levels, labelColumn, 'test query');
  return { query, images, classes };
}

/** SHA-256 of the training data's hash, the levels and every image's class index. */
export function labelledDataHash(train: TrainingData, classes: Int32Array, levels: readonly (string | number)[]): string {
  return crypto.createHash('sha256').update(train.hash).update(JSON.stringify(levels)).update(new Uint8Array(classes.buffer, classes.byteOffset, classes.byteLength)).digest('hex');
}

/**
 * `data` and its `classes` with the predictions `ids` of run `source` appended: their images at
 * the training size and channels, each labelled by its own value of `labelColumn` (the
 * conditioning value it was generated for), which must be one of the real data's `levels`. The
 * hash covers the query's images, the predictions' images and their ids, so a resumed run notices
 * when either changed. Generated images only ever train: the test set stays the real one.
 */
export async function withGeneratedImages(
  store: Store,
  data: TrainingData,
  classes: Int32Array,
  ids: readonly string[],
  source: string,
  labelColumn: string,
  levels: readonly (string | number)[],
): Promise<{ data: TrainingData; classes: Int32Array }> {
  if (ids.length === 0) return { data, classes };
  const { images } = data;
  const extra = await loadPredictionImages(store, ids, images.height, images.channels);
  const key = Object.keys(extra.rows[0] ?? {}).find((c) => c.toLowerCase() === labelColumn.toLowerCase());
  if (key === undefined) {
    throw new MlError('E_ML_DATA', `the accepted predictions of run ${source} have no column "${labelColumn}": a classifier learns from generated images labelled by the conditioning value they were generated for, so run ${source} must be conditioned on the label column`);
  }
  const index = new Map<string | number, number>(levels.map((l, i) => [l, i]));
  const extraClasses = new Int32Array(ids.length);
  extra.rows.forEach((r, k) => {
    const v = r[key] ?? null;
    const c = v === null || (typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'string') ? undefined : index.get(levelKey(v));
    if (c === undefined) {
      throw new MlError('E_ML_DATA', `prediction ${ids[k]} of run ${source} has ${labelColumn} = ${JSON.stringify(v === null ? null : levelKey(v))}, not one of the training data's labels (${levels.map((l) => JSON.stringify(l)).join(', ')})`);
    }
    extraClasses[k] = c;
  });
  const pixels = new Uint8Array(images.pixels.length + extra.pixels.length);
  pixels.set(images.pixels, 0);
  pixels.set(extra.pixels, images.pixels.length);
  const all = new Int32Array(classes.length + ids.length);
  all.set(classes, 0);
  all.set(extraClasses, classes.length);
  const hash = crypto.createHash('sha256').update(data.hash).update(extra.pixels).update(JSON.stringify(ids)).digest('hex');
  return {
    // `columns` keeps the query's rows only: training reads the labels from the classes.
    data: { ...data, images: { ...images, pixels, count: images.count + ids.length, files: [...images.files, ...extra.files] }, hash },
    classes: all,
  };
}
