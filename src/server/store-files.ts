/**
 * The files the dashboard may send: those a `FILE…` column of the store references, by the exact
 * value stored, and whose real path (symlinks resolved) lies inside the store's folder; or, for an
 * opened Cinema database, the files its `data.csv` lists inside its own folder. Everything else is
 * a 403 or 404, whatever the encoding of the request: the request names a stored value, never a
 * path to walk.
 *
 * A file is sent only when the request's account may read it: the server reads it as itself, so
 * for its own account the kernel decides when it opens the file; for another account of a group
 * the account's checker is asked first ({@link requireReadable}) and a file it may not read is a
 * 403 that names neither the path nor who may read it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { containedPath } from '../contained-path.js';
import { isUrl } from '../file-columns.js';
import type { Store } from '../store/store.js';
import { ApiError, forbidden, notFound } from './http-errors.js';
import { currentScope } from './request-scope.js';

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The content type a served file is sent with; unknown kinds download as bytes. */
export function contentTypeOf(file: string): string {
  return IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Refuses `file` (an absolute path) with a 403 unless the request's account may read it. Outside
 * a request nobody may (fail closed).
 */
export async function requireReadable(file: string): Promise<void> {
  const scope = currentScope();
  if (scope !== undefined && !scope.isOtherAccount) return;
  const readable = scope === undefined ? false : (await scope.access.canRead([file]))[0] === true;
  if (!readable) throw forbidden(`${scope?.account.account ?? 'nobody'} may not read this file`, 'E_FILE_PERMISSION');
}

/** A file answer; SVG is sandboxed so a stored SVG cannot run script in the dashboard's origin. */
export function fileResponse(file: string): Response {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw notFound(`no file at ${path.basename(file)}`, 'E_FILE_MISSING');
    if (code === 'EACCES' || code === 'EPERM') throw forbidden(`${path.basename(file)} is not readable`, 'E_FILE_PERMISSION');
    throw e;
  }
  return new Response(bytes, {
    headers: {
      'content-type': contentTypeOf(file),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
      'cache-control': 'private, max-age=60',
    },
  });
}

/** The absolute path of stored value `value`, when the store references it and it lies in the store's folder. */
export async function referencedFile(store: Store, value: string | undefined): Promise<string> {
  if (value === undefined || value === '') throw new ApiError(400, 'E_BAD_REQUEST', 'name the file: /files?path=VALUE (a value of a FILE column)');
  if (isUrl(value)) throw new ApiError(400, 'E_BAD_REQUEST', `${value} is a URL, not a file of the store`);
  if (!(await store.referencesFile(value))) throw notFound(`no FILE column of the store holds "${value}"`, 'E_NOT_REFERENCED');
  try {
    return containedPath(store.fileRoot, value, { base: store.fileRoot, origin: 'a FILE value' });
  } catch {
    throw forbidden(`"${value}" lies outside the store's folder (${store.fileRoot}); the dashboard serves only files inside it`, 'E_UNSAFE_PATH');
  }
}
