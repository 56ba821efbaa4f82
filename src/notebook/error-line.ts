/**
 * An error thrown in a notebook cell, as one line: the project's message for its own errors and
 * for file-system errors (what the command line prints after `dsi:`), `Name: message` for any
 * other. A notebook reader wants what went wrong, not a Node stack of the kernel's internals.
 */
import { MlError, StoreError } from '../errors.js';
import { fileSystemError, isFileSystemError } from '../store/file-errors.js';

/** The one line that says what `error` was. */
export function errorLine(error: unknown): string {
  const flat = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
  if (error instanceof StoreError || error instanceof MlError) return `dsi: ${flat(error.message)} (${error.code})`;
  if (isFileSystemError(error)) return `dsi: ${flat(fileSystemError(error).message)}`;
  if (error instanceof Error) return `${error.name}: ${flat(error.message)}`;
  return `Error: ${flat(String(error))}`;
}
