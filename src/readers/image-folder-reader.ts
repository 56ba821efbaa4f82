/**
 * A folder of PNG and JPEG images (searched recursively; hidden folders skipped), one row per
 * image, in path order:
 *
 * `name` (the path inside the folder), `format`, `width`, `height`, `channels` (as stored: 1 grey,
 * 2 grey + alpha, 3 RGB, 4 RGBA), `bit_depth` (8 or 16), `mean_intensity` (0–1, alpha left out),
 * `sha256` (of the file's bytes), then any parameters, then `FILE` (the path relative to the
 * store's folder, Cinema's convention). The images stay where they are: the store indexes them.
 *
 * Parameters come from a side-car CSV (option `params`, default `params.csv` in the folder when
 * there is one) whose `file` column (or `filename`, `image`, `name`, `path`, `FILE…`) names each
 * image relative to the folder, and/or from a file-name pattern (option `pattern`, e.g.
 * `sim{sim}_t{time}.png`). A side-car row naming no image, a duplicate row, a file the pattern
 * does not match, or an image that does not decode fails the read naming the file (and line).
 * An image whose header declares more than `maxPixels` pixels (option; default Pillow's
 * 89,478,485) fails before it is decoded.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StoreError, badInput } from '../errors.js';
import { decodeImage, imageFormat } from '../images/decode-image.js';
import { pixelLimit } from '../images/pixel-limit.js';
import { meanIntensity } from '../images/mean-intensity.js';
import { sanitizeIdentifier } from '../store/identifiers.js';
import { snippet } from '../store/snippet.js';
import { csvSource, readCsvHeader } from './csv-reader.js';
import { type FileNamePattern, compileFileNamePattern } from './file-name-pattern.js';
import { typeTextColumn } from './parameter-columns.js';
import type { RawCell, Reader, ReadContext, ReadResult, TableSource } from '../store/reader.js';

export const IMAGE_METADATA_COLUMNS = ['name', 'format', 'width', 'height', 'channels', 'bit_depth', 'mean_intensity', 'sha256'] as const;
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const SIDECAR_DEFAULT = 'params.csv';
const KEY_COLUMNS = ['file', 'filename', 'image', 'name', 'path'];
/** Images decoded per batch of rows. */
const BATCH = 500;

interface Options {
  readonly params?: string;
  readonly pattern?: string;
  readonly maxPixels: number;
}

function checkOptions(raw: Readonly<Record<string, unknown>> | undefined): Options {
  const o = raw ?? {};
  const out: { params?: string; pattern?: string; maxPixels: number } = { maxPixels: pixelLimit(o['maxPixels'], 'images reader') };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'maxPixels') continue;
    if (k !== 'params' && k !== 'pattern') throw new StoreError('E_BAD_ARGUMENT', `the images reader has no option "${k}"; it takes params, pattern, maxPixels`);
    if (typeof v !== 'string' || v === '') throw new StoreError('E_BAD_ARGUMENT', `images reader: option ${k} must be a non-empty string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

/** Image files under `folder` (relative, `/`-separated, sorted); hidden entries skipped. */
function listImages(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.isDirectory()) walk(path.join(dir, e.name), rel);
      else if (e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(rel);
    }
  };
  walk(folder, '');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Parameter columns by image, from a side-car CSV. */
interface Parameters {
  readonly names: string[];
  /** Typed values by image (relative path), in `names` order. */
  readonly byImage: Map<string, RawCell[]>;
}

/** Read a side-car CSV and check it against the images found. */
async function readSidecar(file: string, folder: string, images: ReadonlySet<string>): Promise<Parameters> {
  const header = await readCsvHeader(file);
  const keyIndex = header.findIndex((h) => KEY_COLUMNS.includes(h.trim().toLowerCase()) || /^FILE/.test(h.trim()));
  if (keyIndex < 0) {
    throw badInput(file, 1, `no column names the images; call one of them ${KEY_COLUMNS.join(', ')} or FILE (columns: ${snippet(header.join(', '), 120)})`);
  }
  const clash = header.find((h, i) => i !== keyIndex && [...IMAGE_METADATA_COLUMNS, 'FILE'].some((m) => m.toLowerCase() === sanitizeIdentifier(h).toLowerCase()));
  if (clash !== undefined) throw badInput(file, 1, `column "${snippet(clash)}" has the name of a column the images reader fills itself; rename it`);
  const rows: string[][] = [];
  const source = csvSource(file, 'params', header);
  await source.forEachBatch((batch) => {
    for (const r of batch) rows.push(r as string[]);
  });
  const names = header.filter((_, i) => i !== keyIndex);
  const keys: string[] = [];
  const seen = new Map<string, number>();
  for (let r = 0; r < rows.length; r++) {
    const raw = rows[r]![keyIndex];
    const key = typeof raw === 'string' ? path.posix.normalize(raw.trim().replace(/\\/g, '/')).replace(/^\.\//, '') : '';
    const line = async () => source.lineOfRow(r);
    if (key === '') throw badInput(file, await line(), `row ${r + 1} names no image in column "${header[keyIndex]}"`);
    if (!images.has(key)) throw badInput(file, await line(), `names "${snippet(key)}", which is not a PNG or JPEG image in ${folder}`);
    const before = seen.get(key);
    if (before !== undefined) throw badInput(file, await line(), `names "${snippet(key)}" again (first on data row ${before + 1})`);
    seen.set(key, r);
    keys.push(key);
  }
  const columns = names.map((_, c) => {
    const at = c < keyIndex ? c : c + 1;
    return typeTextColumn(rows.map((row) => (row[at] as string | null | undefined) ?? null));
  });
  const byImage = new Map<string, RawCell[]>();
  keys.forEach((k, r) => byImage.set(k, columns.map((col) => col[r]!)));
  return { names, byImage };
}

/** Parameters from file names; every image must match. */
function patternParameters(pattern: FileNamePattern, folder: string, images: readonly string[]): Parameters {
  const parts = images.map((rel) => {
    const m = pattern.match(rel);
    if (!m) throw badInput(path.join(folder, rel), undefined, `the file name does not match the pattern "${pattern.pattern}"`);
    return m;
  });
  const columns = pattern.names.map((_, c) => typeTextColumn(parts.map((p) => p[c]!)));
  const byImage = new Map<string, RawCell[]>();
  images.forEach((rel, r) => byImage.set(rel, columns.map((col) => col[r]!)));
  return { names: [...pattern.names], byImage };
}

export const imageFolderReader: Reader = {
  name: 'images',
  extensions: ['.png', '.jpg', '.jpeg'],
  description: 'folder of PNG/JPEG images: a row per image with size, channels, bit depth, mean intensity, SHA-256, parameters (options params=CSV, pattern=…, maxPixels=N) and FILE',
  async read(input: string, context: ReadContext): Promise<ReadResult> {
    const options = checkOptions(context.options);
    const single = fs.statSync(input).isFile();
    const folder = single ? path.dirname(input) : input;
    const images = single ? [path.basename(input)] : listImages(folder);
    if (images.length === 0) throw badInput(input, undefined, 'holds no PNG or JPEG image (files ending .png, .jpg or .jpeg)');
    const root = context.fileRoot ?? process.cwd();

    const parameterSets: Parameters[] = [];
    const sidecar = options.params ?? (fs.existsSync(path.join(folder, SIDECAR_DEFAULT)) ? path.join(folder, SIDECAR_DEFAULT) : undefined);
    if (sidecar !== undefined) {
      if (!fs.existsSync(sidecar)) throw new StoreError('E_BAD_ARGUMENT', `images reader: the side-car CSV ${sidecar} does not exist`);
      parameterSets.push(await readSidecar(sidecar, folder, new Set(images)));
    }
    if (options.pattern !== undefined) parameterSets.push(patternParameters(compileFileNamePattern(options.pattern), folder, images));
    const parameterNames = parameterSets.flatMap((p) => p.names);
    const dup = parameterNames.find((n, i) => parameterNames.findIndex((m) => sanitizeIdentifier(m).toLowerCase() === sanitizeIdentifier(n).toLowerCase()) !== i);
    if (dup !== undefined) throw new StoreError('E_BAD_ARGUMENT', `images reader: the parameter "${dup}" comes from both the side-car CSV and the pattern`);

    const table = context.tableName ?? (path.basename(path.resolve(folder)) || 'images');
    const task = `read ${path.basename(input)}`;
    const source: TableSource = {
      table,
      columns: [...IMAGE_METADATA_COLUMNS, ...parameterNames, 'FILE'],
      cells: 'typed',
      file: input,
      async forEachBatch(consume) {
        for (let start = 0; start < images.length; start += BATCH) {
          const rows: RawCell[][] = [];
          for (const rel of images.slice(start, start + BATCH)) {
            const file = path.join(folder, rel);
            const bytes = fs.readFileSync(file);
            const image = await decodeImage(bytes, file, { maxPixels: options.maxPixels });
            const parameters = parameterSets.flatMap((p) => p.byImage.get(rel) ?? p.names.map(() => null));
            rows.push([
              rel,
              imageFormat(bytes) ?? null,
              image.width,
              image.height,
              image.channels,
              image.depth,
              meanIntensity(image),
              crypto.createHash('sha256').update(bytes).digest('hex'),
              ...parameters,
              path.relative(root, path.resolve(file)).split(path.sep).join('/'),
            ]);
          }
          context.onProgress?.({ task, done: Math.min(images.length, start + BATCH), total: images.length, unit: 'images' });
          await consume(rows);
        }
      },
      async lineOfRow() {
        return undefined;
      },
    };
    return { tables: [source], units: [] };
  },
};
