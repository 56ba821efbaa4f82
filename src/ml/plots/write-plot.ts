/**
 * Plots to files. An SVG is written as it is; a PNG is the SVG rasterised at twice its size
 * (src/plots/svg-to-png.ts).
 *
 * The file appears whole or not at all, with the store's file mode: it is written by
 * `writeFileAtomic` (src/atomic-write.ts), which leaves no temporary behind when anything fails.
 *
 * @example
 * await writePlot(await lossPlotSvg(epochs, 'Losses of run-1'), 'runs/run-1/loss.png');
 */
import path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import { rasterizeSvg } from '../../plots/svg-to-png.js';

export { PNG_SCALE } from '../../plots/svg-to-png.js';

/** The SVG as PNG bytes at twice its size (src/plots/svg-to-png.ts); `file` names it in an error. */
export async function svgToPng(svg: string, file: string): Promise<Buffer> {
  try {
    return await rasterizeSvg(svg);
  } catch (e) {
    throw new MlError('E_ML_ARGUMENT', `writePlot: cannot draw ${file}: the SVG does not render (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Write `svg` to `file` atomically: as SVG when the name ends in `.svg`, as PNG at 2× scale when
 * it ends in `.png` (either case). Fails with `E_ML_ARGUMENT` for another extension or an SVG
 * that does not render, and with the file system's error (its `code` kept: `ENOENT`, `EACCES`,
 * `EISDIR`…, its message naming `file`) when the file cannot be written; `file` is then left as
 * it was.
 */
export async function writePlot(svg: string, file: string): Promise<void> {
  if (typeof svg !== 'string' || !svg.trimStart().startsWith('<svg')) {
    throw new MlError('E_ML_ARGUMENT', `writePlot: svg must be an SVG document (a string starting with <svg), got ${typeof svg === 'string' ? JSON.stringify(svg.slice(0, 20)) : typeof svg}`);
  }
  if (typeof file !== 'string' || file === '') throw new MlError('E_ML_ARGUMENT', `writePlot: file must be a path, got ${JSON.stringify(file)}`);
  const extension = path.extname(file).toLowerCase();
  let bytes: Buffer;
  if (extension === '.svg') bytes = Buffer.from(svg, 'utf8');
  else if (extension === '.png') bytes = await svgToPng(svg, file);
  else throw new MlError('E_ML_ARGUMENT', `writePlot: file must end in .svg or .png, got ${JSON.stringify(file)}`);

  try {
    await writeFileAtomic(file, bytes);
  } catch (e) {
    const cause = e as NodeJS.ErrnoException;
    // The system error's message without its `CODE: ` prefix and the temporary file's name.
    const reason = cause.message.replace(/^[A-Z]+: /, '').replace(/, (open|rename) .*$/, '');
    throw Object.assign(new Error(`writePlot: cannot write ${file}: ${reason}${cause.code ? ` (${cause.code})` : ''}`, { cause }), { code: cause.code });
  }
}
