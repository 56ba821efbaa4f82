/**
 * The project's error classes. Callers branch on `code`, never on message text.
 *
 * @example
 * try { await store.query('DELETE FROM t'); }
 * catch (e) { if (e instanceof StoreError && e.code === 'E_READ_ONLY') … }
 */

/** Stable codes of {@link StoreError}. */
export type StoreErrorCode =
  | 'E_BAD_INPUT' // a malformed input file: names file and line
  | 'E_BAD_ARGUMENT' // an option or argument of the wrong shape
  | 'E_TABLE_MISSING'
  | 'E_COLUMN_MISSING'
  | 'E_READ_ONLY' // a write statement given to `query`
  | 'E_RESERVED' // an edit of a table the store manages itself
  | 'E_SCHEMA' // relations that cannot be applied (missing column, cycle, violated key)
  | 'E_UNIT_CONFLICT'
  | 'E_FIND_SYNTAX' // a malformed `find` condition
  | 'E_SQL' // the backend refused a statement
  | 'E_UNIQUE' // rows that break a primary key or unique column a table is given
  | 'E_CLOSED' // use after close()
  | 'E_UNSAFE_PATH' // a path from store content that leads outside its folder, or would replace the store
  | 'E_ALREADY_READ' // a file read into a table before, read into it again without asking to append
  | 'E_FILE' // a file or folder that cannot be read or written (no permission, no space, read-only file system)
  | 'E_BACKEND'; // an unknown or unavailable backend

/** An error raised by the store, its readers, writers and backends. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** The input file the error is about, when there is one. */
  readonly file: string | undefined;
  /** 1-based line in {@link file}, when known. */
  readonly line: number | undefined;

  constructor(code: StoreErrorCode, message: string, options: { file?: string; line?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.file = options.file;
    this.line = options.line;
  }
}

/** A malformed input file; the message starts with `file:line:` as compilers print it. */
export function badInput(file: string, line: number | undefined, what: string): StoreError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new StoreError('E_BAD_INPUT', `${where}: ${what}`, { file, ...(line === undefined ? {} : { line }) });
}

/** Stable codes of {@link MlError}. */
export type MlErrorCode =
  | 'E_ML_DATA' // the data a query selects cannot be trained on (no rows, missing column, NULLs, mixed sizes)
  | 'E_ML_ARGUMENT' // an option of the wrong shape or out of range
  | 'E_ML_RUN' // an unknown run, or one in the wrong state for the operation
  | 'E_ML_CHECKPOINT' // a checkpoint missing, damaged or of another architecture
  | 'E_ML_DEVICE' // a device that is not there
  | 'E_ML_EXTRAPOLATION'; // a prediction outside the range trained on

/** An error raised by the ML workflows (train, predict, the run registry). */
export class MlError extends Error {
  readonly code: MlErrorCode;

  constructor(code: MlErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlError';
    this.code = code;
  }
}
