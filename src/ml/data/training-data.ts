/**
 * The data a training run sees: the images a store query selects, as one uint8 array, with the
 * conditioning columns' values and what kind each is. Everything that can be wrong with the data
 * is found here, before a run row exists. Rows whose files the caller may not read are left out
 * by the store (`Store.query`), counted in `withheld` and reported once through `onProgress`
 * (task `training data: N rows withheld …`); the run trains on, and hashes, the rest.
 */
import crypto from 'node:crypto';
import { MlError, StoreError } from '../../errors.js';
import { loadImages, type LoadedImages } from '../../images/load-images.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';
import { type ConditionKinds, inferConditions } from './condition-columns.js';

export interface TrainingDataOptions extends ConditionKinds {
  /** A read-only query selecting the images and their parameters. */
  readonly query?: string;
  /** A table: all of its rows, or its `split = 'train'` rows when it has a `split` column. */
  readonly table?: string;
  readonly imageColumn?: string;
  readonly conditionColumns?: readonly string[];
  readonly size?: number;
  readonly channels?: 1 | 3;
  /** Only the first N rows of the query. */
  readonly maxImages?: number;
  readonly onProgress?: ProgressCallback;
}

export interface TrainingData {
  /** The query the run trains on, as recorded in `ml_runs.data_query`. */
  readonly query: string;
  /** The table the rows come from: the `table` option, or the query's first FROM table (null when none is plain). */
  readonly sourceTable: string | null;
  readonly images: LoadedImages;
  readonly conditions: ConditionSpec[];
  /** Each image's conditioning values, in row order. */
  readonly conditionRows: Record<string, Cell>[];
  /** SHA-256 over the pixels and the conditioning values: a resumed run checks its data is unchanged. */
  readonly hash: string;
  /** Rows the query selects that were left out because the caller may not read their files. */
  readonly withheld: number;
}

const GAN_SIZES = [28, 32, 64] as const;

/** The SQL a `table` option stands for. */
export async function tableQuery(store: Store, table: string): Promise<string> {
  const info = await store.describe(table);
  const q = `"${info.name.replace(/"/g, '""')}"`;
  return info.columns.some((c) => c.name.toLowerCase() === 'split') ? `SELECT * FROM ${q} WHERE split = 'train'` : `SELECT * FROM ${q}`;
}

export async function loadTrainingData(store: Store, options: TrainingDataOptions): Promise<TrainingData> {
  if ((options.query === undefined) === (options.table === undefined)) throw new MlError('E_ML_ARGUMENT', (o) => `give exactly one of a query (${o('query')}) or a table (${o('table')})`);
  let query = options.query ?? (await tableQuery(store, options.table!));
  if (options.maxImages !== undefined) {
    if (!Number.isInteger(options.maxImages) || options.maxImages < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('maxImages')} must be a positive whole number, got ${options.maxImages}`);
    query = `SELECT * FROM (${query}) LIMIT ${options.maxImages}`;
  }
  if (options.size !== undefined && !(GAN_SIZES as readonly number[]).includes(options.size)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('size')} must be one of ${GAN_SIZES.join(', ')} (the sizes the GAN models are built for), got ${options.size}`);
  }
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) throw new MlError('E_ML_ARGUMENT', (o) => `${o('channels')} must be 1 or 3, got ${String(options.channels)}`);
  let images: LoadedImages;
  try {
    images = await loadImages(store, query, {
      ...(options.imageColumn === undefined ? {} : { imageColumn: options.imageColumn }),
      ...(options.size === undefined ? {} : { size: options.size }),
      ...(options.channels === undefined ? {} : { channels: options.channels }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
  } catch (e) {
    if (e instanceof StoreError && e.code !== 'E_SQL' && e.code !== 'E_READ_ONLY' && e.code !== 'E_TABLE_MISSING') {
      throw new MlError('E_ML_DATA', (o) => e.messageWith(o).replace('loadImages: ', 'the training query: ').replace('give loadImages a size', `give ${o('size')}`), { cause: e });
    }
    throw e;
  }
  const withheld = images.withheld ?? 0;
  if (withheld > 0) {
    options.onProgress?.({ task: `training data: ${withheld} row${withheld === 1 ? '' : 's'} withheld: their files are not readable by ${store.fileAccess.who}`, done: withheld, total: withheld, unit: 'rows' });
  }
  if (images.count === 0) {
    throw new MlError('E_ML_DATA', `the training query returned no rows${withheld > 0 ? ` the caller may read (${withheld} withheld)` : ''}: ${query}`);
  }
  if (images.height !== images.width || !(GAN_SIZES as readonly number[]).includes(images.height)) {
    throw new MlError('E_ML_DATA', (o) => `the images are ${images.width} × ${images.height} pixels; the GAN models take ${GAN_SIZES.join(', ')}: give ${o('size')}`);
  }
  if (images.channels !== 1 && images.channels !== 3) throw new MlError('E_ML_DATA', (o) => `the images have ${images.channels} channels; give ${o('channels')} 1 or 3`);
  const names = options.conditionColumns ?? [];
  const conditions = inferConditions(names, images.columns, options);
  const conditionRows = Array.from({ length: images.count }, (_, i) => Object.fromEntries(names.map((n) => [n, images.columns[n]![i]!])) as Record<string, Cell>);
  const hash = crypto.createHash('sha256');
  hash.update(images.pixels);
  if (names.length > 0) hash.update(JSON.stringify(names.map((n) => images.columns[n]!.map((v) => (typeof v === 'bigint' ? v.toString() : v)))));
  return { query, sourceTable: options.table ?? sourceTableOf(options.query ?? ''), images, conditions, conditionRows, hash: hash.digest('hex'), withheld };
}

/** The first table a query reads FROM (`FROM mnist`, `FROM "fashion_mnist"`), or null. */
export function sourceTableOf(sql: string): string | null {
  const m = /\bfrom\s+(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_]*))/i.exec(sql);
  if (m === null) return null;
  return m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!;
}
