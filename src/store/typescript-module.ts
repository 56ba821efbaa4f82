/**
 * Importing a TypeScript plugin module (`.ts`, `.mts`) on any Node this project runs on: esbuild
 * bundles the module with its own relative imports into one ES module (types stripped, not
 * checked), which is written to a temporary `.mjs` file beside the source and imported from there.
 *
 * **The guarantee:** bare imports (`dsi-ts`, `node:fs`, any package) stay imports and resolve from
 * the module's own folder, as they would for the source; the temporary file
 * (`.NAME.dsi-plugin-RANDOM.mjs`) is created exclusively, so it never replaces a file, and is
 * deleted whether the import succeeds or not; a syntax error is refused with one `StoreError`
 * naming the file and line. When the module's folder is not writable the file goes to the
 * system's temporary folder instead, from where bare imports of packages installed beside the
 * module do not resolve. esbuild is imported only here, only when such a module is loaded.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { badInput } from '../errors.js';

/** The slice of esbuild's `Message` this file reads. */
interface BuildMessage {
  readonly text: string;
  readonly location: { readonly file: string; readonly line: number } | null;
}

/** Errors a folder reports when a file cannot be created in it. */
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Create an empty temporary file for `absolute`'s bundle: beside it, or in os.tmpdir() when its
 * folder is not writable. The random part and the exclusive flag make a collision an error, never
 * an overwrite.
 */
function reserveTemporaryFile(absolute: string): string {
  const name = `.${path.basename(absolute, path.extname(absolute))}.dsi-plugin-${randomBytes(6).toString('hex')}.mjs`;
  const beside = path.join(path.dirname(absolute), name);
  try {
    fs.closeSync(fs.openSync(beside, 'wx'));
    return beside;
  } catch (e) {
    if (!NOT_WRITABLE.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  }
  const fallback = path.join(os.tmpdir(), name);
  fs.closeSync(fs.openSync(fallback, 'wx'));
  return fallback;
}

/**
 * The module's exports. `file` is the path as the caller gave it (for messages), `absolute` the
 * resolved one. A syntax error becomes a `StoreError` (`E_BAD_INPUT`) naming the file, the
 * module or one it imports, and the line; a failing import rejects as `import()` does.
 */
export async function importTypeScriptModule(file: string, absolute: string): Promise<Record<string, unknown>> {
  const esbuild = await import('esbuild');
  // Node applies the inline source map only when source maps are on: stack traces of errors thrown
  // by the plugin then point into its .ts source rather than the deleted bundle.
  process.setSourceMapsEnabled(true);
  const temporary = reserveTemporaryFile(absolute);
  try {
    let code: Uint8Array;
    try {
      const result = await esbuild.build({
        entryPoints: [absolute],
        outfile: temporary, // not written (write: false); it places the source map's paths
        write: false,
        bundle: true,
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: `node${process.versions.node}`,
        sourcemap: 'inline',
        logLevel: 'silent',
      });
      code = result.outputFiles[0]!.contents;
    } catch (e) {
      const first = ((e as { errors?: readonly BuildMessage[] }).errors ?? [])[0];
      if (first === undefined) throw badInput(file, undefined, `cannot compile the TypeScript plugin module: ${String((e as Error).message ?? e).split('\n')[0]}`);
      throw badInput(...where(file, absolute, first), `cannot compile the TypeScript plugin module: ${first.text}`);
    }
    fs.writeFileSync(temporary, code);
    return (await import(pathToFileURL(temporary).href)) as Record<string, unknown>;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * The file and line of an esbuild message: the module as the caller named it, or a module it
 * imports, named relative to the same folder.
 */
function where(file: string, absolute: string, message: BuildMessage): [string, number | undefined] {
  if (message.location === null) return [file, undefined];
  const located = path.resolve(message.location.file);
  const shown = located === absolute ? file : path.join(path.dirname(file), path.relative(path.dirname(absolute), located));
  return [shown, message.location.line];
}
