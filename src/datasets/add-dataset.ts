/**
 * `dsi datasets add`: bring MNIST or Fashion-MNIST into the store as a table of 70,000 rows (one
 * per image, each with its PNG in the store's data folder), in one all-or-nothing read.
 *
 * @example
 * const added = await addDataset(store, 'fashion-mnist');
 * // { dataset: 'fashion-mnist', table: 'fashion_mnist', rows: 70000, splits: { train: 60000, test: 10000 }, … }
 */
import { StoreError } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { sanitizeIdentifier } from '../store/identifiers.js';
import type { Store } from '../store/store.js';
import { DATASETS, type DatasetName, datasetSpec } from './known-datasets.js';
import { type DatasetSource, type LocateOptions, locateDataset } from './locate-dataset.js';

export interface AddDatasetOptions extends LocateOptions {
  /** The table to fill (default `mnist` or `fashion_mnist`); it must not hold rows yet. */
  readonly table?: string;
  readonly onProgress?: ProgressCallback;
}

export interface AddedDataset {
  readonly dataset: DatasetName;
  readonly table: string;
  readonly rows: number;
  /** Rows per split. */
  readonly splits: Readonly<Record<string, number>>;
  readonly source: DatasetSource;
  /** Where the IDX files came from. */
  readonly where: string;
}

/** Names `addDataset` accepts. */
export function datasetNames(): DatasetName[] {
  return Object.keys(DATASETS) as DatasetName[];
}

/** Add dataset `name` to `store` (see the file comment); returns what went in. */
export async function addDataset(store: Store, name: string, options: AddDatasetOptions = {}): Promise<AddedDataset> {
  const spec = datasetSpec(String(name));
  if (!spec) throw new StoreError('E_BAD_ARGUMENT', `unknown dataset "${name}"; known: ${datasetNames().join(', ')}`);
  const table = sanitizeIdentifier(options.table ?? spec.table);
  if (table === '') throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('table')} must name a table, got ${JSON.stringify(options.table)}`);
  const existing = (await store.list()).find((t) => t.table.toLowerCase() === table.toLowerCase());
  if (existing && existing.rows > 0) {
    throw new StoreError(
      'E_BAD_ARGUMENT',
      (o) => `table "${existing.table}" already holds ${existing.rows} rows; a dataset goes into a table of its own (give another as ${o('table')})`,
    );
  }
  const located = await locateDataset(spec, options);
  await store.read([located.files.trainImages, located.files.testImages], {
    reader: 'idx',
    table,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    // The label files sit beside the image files under MNIST's names: the reader pairs them.
    ...(spec.labelNames ? { readerOptions: { labelNames: spec.labelNames } } : {}),
  });
  const counts = await store.query(`SELECT split, count(*) AS n FROM "${table.replace(/"/g, '""')}" GROUP BY split ORDER BY split DESC`);
  const splits: Record<string, number> = {};
  for (const r of counts) splits[String(r['split'])] = Number(r['n']);
  return {
    dataset: spec.name,
    table,
    rows: Object.values(splits).reduce((a, b) => a + b, 0),
    splits,
    source: located.source,
    where: located.where,
  };
}
