/**
 * `show(value, options?)`: a result of this library as rich output in a Jupyter notebook, or as
 * plain text anywhere else. What is shown depends on what the value is:
 *
 * | value | shown as |
 * | --- | --- |
 * | rows (`query`, `find`, `getTable`, `page`, `findPage` results, any array of objects) | an HTML table that pages, "showing N of M" when cut |
 * | rows with a `FILE…` column of images, a `loadImages` result | an image grid, each image with its parameters |
 * | a `Map` (`relations()`) | a table with a `key` column |
 * | a `Store` with `{ table }` or `{ query }` | that table or query, as above; with `{ run }`, that run; alone, its tables |
 * | a run (`trainGan`'s result, a `RunRegistry` record) with `{ store }` | a card: state, losses per step, last samples, evaluation |
 * | `evaluateRun`'s result | its metrics table and Vega-Lite charts per condition (and per epoch) |
 * | `explainRun`'s result | the SHAP bar chart (Vega-Lite) and the heat map of an image explanation |
 *
 * Charts carry a PNG for viewers that do not render Vega-Lite. Await it: `await show(rows)`.
 *
 * @example
 * import { openStore } from 'dsi-ts';
 * import { show } from 'dsi-ts/notebook';
 * const store = await openStore('dsi.db');
 * await show(await store.find('wind_speed > 5'));
 * await show(store, { query: "SELECT * FROM mnist WHERE label = 3 LIMIT 12" });
 */
import util from 'node:util';
import { StoreError } from '../errors.js';
import type { LoadedImages } from '../images/load-images.js';
import { runCard } from '../ml/index.js';
import { Store } from '../store/store.js';
import type { Cell } from '../store/types.js';
import { displayChannel } from './display-channel.js';
import { evaluationOutputs, isEvaluationResult } from './render/evaluation-output.js';
import { explanationOutputs, isExplanationResult } from './render/explanation-output.js';
import { imageGridOutput, imagesOfLoaded, imagesOfRows } from './render/image-grid-output.js';
import { columnsOf, rowsOutput } from './render/rows-output.js';
import { bundleOf, metadataOf, type Output } from './rendering.js';

export interface ShowOptions {
  /** The store the value came from: relative `FILE` paths are read from its folder, a run's curves from its tables. */
  readonly store?: Store;
  /** With a `Store` as the value: show this table. */
  readonly table?: string;
  /** With a `Store` as the value: show this query's rows (read-only SQL). */
  readonly query?: string;
  /** Values for the query's `?` placeholders. */
  readonly params?: readonly Cell[];
  /** With a `Store` as the value: show this run's card. */
  readonly run?: string;
  /** A caption above the output. */
  readonly title?: string;
  /** `table` shows rows with image files as a table, `images` insists on the grid (default: the grid when a `FILE` column holds images). */
  readonly as?: 'auto' | 'table' | 'images';
  /** Rows per page of a table (default 20). */
  readonly pageSize?: number;
  /** Rows embedded at most (default 200, ten pages): the rest are counted, not shown, so a saved notebook stays small. */
  readonly maxRows?: number;
  /** Images shown at most (default 48). */
  readonly maxImages?: number;
  /** The metric an evaluation's charts show (default: FID, else the first it has per condition). */
  readonly metric?: string;
}

interface Settings {
  readonly pageSize: number;
  readonly maxRows: number;
  readonly maxImages: number;
}

/** File extensions sharp decodes, for telling an image column from a column of other files. */
const IMAGE_FILE = /\.(png|jpe?g|gif|webp|tiff?|avif|bmp)$/i;

function wholeNumber(name: 'pageSize' | 'maxRows' | 'maxImages', value: number | undefined, fallback: number, most: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > most) throw new StoreError('E_BAD_ARGUMENT', (o) => `show: ${o(name)} must be a whole number from 1 to ${most}, got ${String(value)}`);
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isLoadedImages(v: unknown): v is LoadedImages {
  const i = v as Partial<LoadedImages> | null;
  return typeof i === 'object' && i !== null && i.pixels instanceof Uint8Array && typeof i.count === 'number' && typeof i.height === 'number' && Array.isArray(i.files);
}

/** A run record or a training result: anything with a run id that a run's card can be made of. */
function isRun(v: unknown): v is { run_id: string } {
  const r = v as Record<string, unknown> | null;
  return typeof r === 'object' && r !== null && typeof r['run_id'] === 'string' && ('epochs_done' in r || 'kind' in r) && !('metrics' in r) && !('explanation_id' in r);
}

/** A URL (`https://…`), which names a file elsewhere: shown as text, never fetched. */
const URL_VALUE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The first `FILE…` column whose first non-empty value names a local image file. */
function imageColumn(rows: readonly Record<string, unknown>[]): string | undefined {
  return columnsOf(rows)
    .filter((c) => /^file/i.test(c))
    .find((c) => {
      const first = rows.find((r) => typeof r[c] === 'string' && r[c] !== '')?.[c];
      return typeof first === 'string' && IMAGE_FILE.test(first) && !URL_VALUE.test(first);
    });
}

async function rowsOrImages(rows: readonly Record<string, unknown>[], total: number | undefined, options: ShowOptions, s: Settings, more?: string): Promise<Output[]> {
  const column = options.as === 'table' ? undefined : imageColumn(rows);
  if (options.as === 'images' && column === undefined) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `show: ${o('as')} is "images" but no FILE column of these rows names an image file (columns: ${columnsOf(rows).join(', ') || 'none'})`);
  }
  if (column !== undefined) {
    const images = await imagesOfRows(rows, column, options.store?.fileRoot ?? process.cwd(), s.maxImages);
    return [imageGridOutput(images, total ?? rows.length, options.title)];
  }
  const shown = rows.slice(0, s.maxRows);
  return [rowsOutput(shown, { pageSize: s.pageSize, total: total ?? rows.length, ...(options.title ? { title: options.title } : {}), more: more ?? 'raise maxRows to embed more' })];
}

async function storeOutputs(store: Store, asked: ShowOptions, s: Settings): Promise<Output[]> {
  const options = { ...asked, store };
  if ([options.table, options.query, options.run].filter((x) => x !== undefined).length > 1) throw new StoreError('E_BAD_ARGUMENT', (o) => `show: give one of ${o('table')}, ${o('query')} and ${o('run')}`);
  if (options.run !== undefined) return [await runCard(store, options.run)];
  if (options.query !== undefined) {
    const { rows, more } = await store.queryFirst(options.query, s.maxRows, options.params ?? []);
    return rowsOrImages(rows, more ? undefined : rows.length, options, s, more ? `the query has more than ${s.maxRows} rows (raise maxRows or add LIMIT)` : undefined);
  }
  if (options.table !== undefined) {
    const { rows, total } = await store.page(options.table, { limit: s.maxRows });
    return rowsOrImages(rows, total, options, s);
  }
  return [rowsOutput(await store.list(), { pageSize: s.pageSize, title: options.title ?? `tables of ${store.location}` })];
}

/**
 * What `show` would display for `value`, without displaying it: one {@link Output} per output
 * area (a table, a chart, an image grid). For tests and for front ends of their own.
 */
export async function showOutputs(value: unknown, options: ShowOptions = {}): Promise<Output[]> {
  const s: Settings = {
    pageSize: wholeNumber('pageSize', options.pageSize, 20, 10_000),
    maxRows: wholeNumber('maxRows', options.maxRows, 200, 1_000_000),
    maxImages: wholeNumber('maxImages', options.maxImages, 48, 10_000),
  };
  const value_ = value instanceof Promise ? await value : value;
  if (value_ instanceof Store) return storeOutputs(value_, options, s);
  if (options.table !== undefined || options.query !== undefined || options.run !== undefined) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `show: ${o(options.table !== undefined ? 'table' : options.query !== undefined ? 'query' : 'run')} is read from a store: show(store, { … })`);
  }
  if (isLoadedImages(value_)) {
    const images = await imagesOfLoaded(value_, s.maxImages);
    return [imageGridOutput(images, value_.count, options.title)];
  }
  if (isExplanationResult(value_)) return explanationOutputs(value_, options.store?.fileRoot);
  if (isEvaluationResult(value_)) return evaluationOutputs(value_, options.metric, s.pageSize);
  if (isRun(value_)) {
    if (!options.store) throw new StoreError('E_BAD_ARGUMENT', (o) => `show: a run is read from its store; pass it as ${o('store')}: show(run, { store })`);
    return [await runCard(options.store, value_.run_id)];
  }
  if (isPlainObject(value_) && Array.isArray(value_['rows']) && typeof value_['total'] === 'number') {
    return rowsOrImages(value_['rows'] as Record<string, unknown>[], value_['total'], options, s);
  }
  if (isPlainObject(value_) && Array.isArray(value_['rows']) && Array.isArray(value_['tables']) && Array.isArray(value_['columns'])) {
    const found = value_ as { tables: string[]; columns: { table: string; column: string }[]; rows: Record<string, unknown>[] };
    const parts = [
      ...(found.tables.length > 0 ? [`tables named so: ${found.tables.join(', ')}`] : []),
      ...(found.columns.length > 0 ? [`columns named so: ${found.columns.map((c) => `${c.table}.${c.column}`).join(', ')}`] : []),
      `${found.rows.length} row${found.rows.length === 1 ? '' : 's'} holding it`,
    ];
    const title = `${options.title ? `${options.title}: ` : 'search: '}${parts.join('; ')}`;
    return rowsOrImages(found.rows, undefined, { ...options, title }, s);
  }
  if (value_ instanceof Map) {
    const rows = [...value_].map(([key, v]: [unknown, unknown]) => (isPlainObject(v) ? { key, ...v } : { key, value: v }));
    return rowsOrImages(rows, undefined, options, s);
  }
  if (Array.isArray(value_)) {
    const rows = value_.every(isPlainObject) ? (value_ as Record<string, unknown>[]) : value_.map((v) => ({ value: v as unknown }));
    return rowsOrImages(rows, undefined, options, s);
  }
  return [{ text: typeof value_ === 'string' ? value_ : util.inspect(value_, { depth: 4, colors: false }) }];
}

/**
 * Show `value` (see the file comment): rich output in a notebook cell, plain text on stdout
 * anywhere else. Fails with `E_BAD_ARGUMENT` for options that do not fit the value.
 */
export async function show(value: unknown, options: ShowOptions = {}): Promise<void> {
  const outputs = await showOutputs(value, options);
  const sink = displayChannel();
  for (const output of outputs) {
    if (sink) sink(bundleOf(output), metadataOf(output));
    else process.stdout.write(`${output.text}\n`);
  }
}
