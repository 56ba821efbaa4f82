/**
 * How the image writers (`er-diagram`, `table-plot`) put their drawing in a file: an SVG as it
 * is, a PNG rasterised from it at twice its size (src/plots/svg-to-png.ts), written atomically
 * (src/atomic-write.ts) after the output guard's checks, so a failed write leaves the target as it
 * was and never replaces the store, its data folder or a file the store references.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { StoreError } from '../errors.js';
import { rasterizeSvg } from '../plots/svg-to-png.js';
import type { WriteContext } from '../store/writer.js';
import { OutputGuard } from './output-guard.js';

/** The output format `file`'s extension names among `formats` (`.png`, `.svg`…), or an error naming it. */
export function imageFormat<F extends string>(file: string, writer: string, formats: readonly F[]): F {
  const ext = path.extname(file).toLowerCase().slice(1);
  if (!(formats as readonly string[]).includes(ext)) {
    throw new StoreError('E_BAD_ARGUMENT', `the ${writer} writer writes ${formats.map((f) => `.${f}`).join(', ')} files; cannot tell the format of ${file}`);
  }
  return ext as F;
}

/** Refuse a target the export may not replace, before any drawing is made. */
export function guardOutput(file: string, context: WriteContext | undefined): OutputGuard {
  const guard = new OutputGuard(file, context);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new StoreError('E_BAD_ARGUMENT', `${file}: is a folder, not a file`);
  return guard;
}

/** Write `svg` (as SVG, or as PNG when `format` is `png`) or `text` (any other format) to `file` atomically. */
export async function writeDrawing(file: string, guard: OutputGuard, format: string, content: string, writer: string): Promise<void> {
  let bytes: Uint8Array | string = content;
  if (format === 'png') {
    try {
      bytes = await rasterizeSvg(content);
    } catch (e) {
      throw new StoreError('E_BAD_ARGUMENT', `the ${writer} writer cannot draw ${file}: the SVG does not render (${(e as Error).message})`, { cause: e });
    }
  }
  await guard.beforeReplace();
  await writeFileAtomic(file, bytes);
}
