/**
 * IDX image files (MNIST's format, raw or gzip) into the store: each image becomes a PNG in the
 * store's data folder (`NAME.data/TABLE/SPLIT/ID.png`, folders named by `folderForName`: one per
 * table, never another table's nor one the store keeps for itself) and a row
 * `id, split, index, label, label_name, width, height, FILE`:
 *
 * - `id` is 1-based and unique in the table: it continues after the largest `id` already there;
 * - `split` comes from the file name (`train…` → train, `t10k…`/`test…` → test) or the `split` option;
 * - `index` is the image's 0-based position in its IDX file;
 * - `label` comes from the label file beside it (`train-images-idx3-ubyte` → `train-labels-idx1-ubyte`,
 *   raw or gzip) or the `labels` option, and is NULL without one; `label_name` from the
 *   `labelNames` option (Fashion-MNIST's class names), else NULL.
 *
 * The PNGs go through the store's file stage: they appear only if the read commits. Everything
 * is checked before the first PNG is written: magic numbers, sizes, truncation, the label count,
 * labels without a name. The files are streamed (`openIdx` checks each one, counting its body
 * without holding it, then `idxRecords` hands out a batch of images at a time), so memory stays
 * at a batch whatever the file's size, raw or gzip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreError, badInput } from '../errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxFile, idxRecords, openIdx } from '../images/idx-file.js';
import { type PngBatch, writePngBatch } from '../images/png-batch.js';
import { folderForName } from '../store/data-folder-names.js';
import { sanitizeIdentifier } from '../store/identifiers.js';
import type { RawCell, Reader, ReadContext, ReadResult, TableSource } from '../store/reader.js';

export const IDX_COLUMNS = ['id', 'split', 'index', 'label', 'label_name', 'width', 'height', 'FILE'] as const;

/**
 * Images encoded and written per batch of rows. All in this thread: writing from worker threads
 * was measured slower (file creation in one folder from two threads: system time 1.3 s → 11–15 s
 * for MNIST), and encoding is less than half of the work.
 */
const BATCH = 2000;
/** Bytes of pixels per batch at most: larger images come in smaller batches (at least one image). */
const BATCH_BYTES = 4 << 20;

export interface IdxReaderOptions {
  /** The label file; default: the one beside the image file, when there is one. */
  readonly labels?: string;
  /** The split every row gets; default: from the file name. */
  readonly split?: string;
  /** Class names by label (`labelNames[label]` fills `label_name`). */
  readonly labelNames?: readonly string[];
}

function checkOptions(raw: Readonly<Record<string, unknown>> | undefined): IdxReaderOptions {
  const o = raw ?? {};
  for (const k of Object.keys(o)) {
    if (!['labels', 'split', 'labelNames'].includes(k)) {
      throw new StoreError('E_BAD_ARGUMENT', `the idx reader has no option "${k}"; it takes labels, split, labelNames`);
    }
  }
  const text = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new StoreError('E_BAD_ARGUMENT', `idx reader: option ${k} must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  };
  let labelNames: readonly string[] | undefined;
  const names = o['labelNames'];
  if (typeof names === 'string') labelNames = names.split(',').map((s) => s.trim());
  else if (Array.isArray(names) && names.every((n) => typeof n === 'string')) labelNames = names as string[];
  else if (names !== undefined) {
    throw new StoreError('E_BAD_ARGUMENT', `idx reader: option labelNames must be a list of names (or one comma-separated string), got ${JSON.stringify(names)}`);
  }
  const labels = text('labels');
  const split = text('split');
  return { ...(labels === undefined ? {} : { labels }), ...(split === undefined ? {} : { split }), ...(labelNames === undefined ? {} : { labelNames }) };
}

/** The label file that goes with an image file by MNIST's naming, if one is there. */
export function labelFileBeside(imagesFile: string): string | undefined {
  const dir = path.dirname(imagesFile);
  const base = path.basename(imagesFile).replace(/\.gz$/i, '');
  if (!/images/i.test(base)) return undefined;
  const stem = base.replace(/images/i, 'labels').replace(/idx3/i, 'idx1');
  for (const name of [stem, `${stem}.gz`]) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `train` or `test` from MNIST's file names, else undefined. */
export function splitFromName(file: string): string | undefined {
  const base = path.basename(file).toLowerCase();
  if (/^train/.test(base)) return 'train';
  if (/^(t10k|test)/.test(base)) return 'test';
  return undefined;
}

/**
 * The folder of a table (or split) name in the data folder: never another table's, never one the
 * store keeps for itself (`folderForName`).
 */
export function folderForTable(table: string): string {
  return folderForName(table);
}

/** Check the image file, and the label file against it, reading neither into memory. */
async function checkFiles(file: string, labelsFile: string | undefined, names: readonly string[] | undefined): Promise<{ images: IdxFile; labels: IdxFile | undefined }> {
  const images = await openIdx(file, IDX_IMAGES_MAGIC, 'image');
  const [count, height, width] = images.sizes as [number, number, number];
  if (count > 0 && (height === 0 || width === 0)) throw badInput(file, undefined, `images of ${height} × ${width} pixels have no pixels`);
  if (labelsFile === undefined) return { images, labels: undefined };
  const labels = await openIdx(labelsFile, IDX_LABELS_MAGIC, 'label');
  if (labels.sizes[0] !== count) {
    throw badInput(labelsFile, undefined, `holds ${labels.sizes[0]} labels but its image file ${path.basename(file)} holds ${count} images`);
  }
  if (names) {
    let i = 0;
    for await (const batch of idxRecords(labels, 1, 1 << 16)) {
      for (const l of batch) {
        if (l >= names.length) throw badInput(labelsFile, undefined, `label ${l} of image ${i} has no name (the class names are 0–${names.length - 1})`);
        i++;
      }
    }
  }
  return { images, labels };
}

export const idxReader: Reader = {
  name: 'idx',
  description: 'IDX image file (MNIST format, raw or gzip) and its label file: one PNG and one row per image',
  async read(file: string, context: ReadContext): Promise<ReadResult> {
    const options = checkOptions(context.options);
    const labelsFile = options.labels ?? labelFileBeside(file);
    const { images, labels } = await checkFiles(file, labelsFile, options.labelNames);
    if (!context.files) {
      throw new StoreError('E_BAD_ARGUMENT', `${file}: the idx reader writes one PNG per image, and this store has no data folder (open a store file, or give one)`);
    }
    const files = context.files;
    const table = sanitizeIdentifier(context.tableName ?? 'images');
    const split = options.split ?? splitFromName(file) ?? null;
    const folder = `${folderForTable(table)}/${split === null ? 'images' : folderForTable(split)}`;
    const firstId = ((await context.maxInteger(table, 'id')) ?? 0) + 1;
    const [count, height, width] = images.sizes as [number, number, number];
    const plane = height * width;
    const perBatch = Math.max(1, Math.min(BATCH, Math.floor(BATCH_BYTES / Math.max(1, plane))));
    const names = options.labelNames;
    const task = `read ${path.basename(file)}`;

    /** The rows of images [start, end) and the PNG batch that goes with them. */
    const batchAt = (
      start: number,
      end: number,
      pixels: Uint8Array,
      labelBytes: Uint8Array | undefined,
      target: { path: string; value: string },
    ): { rows: RawCell[][]; batch: PngBatch } => {
      const rows: RawCell[][] = new Array<RawCell[]>(end - start);
      const fileNames: string[] = new Array<string>(end - start);
      for (let i = start; i < end; i++) {
        const id = firstId + i;
        const name = `${String(id).padStart(6, '0')}.png`;
        fileNames[i - start] = name;
        const label = labelBytes ? labelBytes[i - start]! : null;
        rows[i - start] = [id, split, i, label, label !== null && names ? names[label]! : null, width, height, `${target.value}/${name}`];
      }
      const batch: PngBatch = { folder: target.path, names: fileNames, width, height, channels: 1, pixels };
      return { rows, batch };
    };

    const source: TableSource = {
      table,
      columns: IDX_COLUMNS,
      cells: 'typed',
      file,
      async forEachBatch(consume) {
        const target = files.folder(folder);
        if (count === 0) return;
        const labelBatches = labels ? idxRecords(labels, 1, perBatch) : undefined;
        try {
          let start = 0;
          for await (const pixels of idxRecords(images, plane, perBatch)) {
            const end = start + pixels.length / plane;
            const labelBytes = labelBatches ? (await labelBatches.next()).value : undefined;
            if (labelBatches && labelBytes?.length !== end - start) {
              throw badInput(labelsFile!, undefined, `the file changed while it was read: it no longer holds ${count} labels`);
            }
            const { rows, batch } = batchAt(start, end, pixels, labelBytes ?? undefined, target);
            writePngBatch(batch);
            context.onProgress?.({ task, done: end, total: count, unit: 'images' });
            await consume(rows);
            start = end;
          }
        } finally {
          await labelBatches?.return(undefined);
        }
      },
      async lineOfRow() {
        return undefined;
      },
    };
    return { tables: [source], units: [] };
  },
};
