/**
 * The project's error classes. Callers branch on `code`, never on message text.
 *
 * @example
 * try { await store.query('DELETE FROM t'); }
 * catch (e) { if (e instanceof StoreError && e.code === 'E_READ_ONLY') … }
 *
 * An error about an option names it as the library's caller wrote it (`lr must be a positive
 * number, got -1`, never the command line's `--lr`) and lists it in `options`, the option at
 * fault first. A front end that spells options differently rewrites those names, and only those:
 * the command line replaces the first whole-word occurrence of each listed name with its flag
 * (src/cli/option-flags.ts). So a message names each listed option before it uses the same word
 * in prose. docs/errors.md has the rule.
 */

/** What both error classes take besides code and message. */
export interface ErrorDetails {
  readonly cause?: unknown;
  /** The library name of the option at fault, or several (the one at fault first) that the message names. */
  readonly option?: string | readonly string[];
}

/** The options an error names, as a frozen list (the one at fault first). */
function optionList(option: string | readonly string[] | undefined): readonly string[] {
  return Object.freeze(option === undefined ? [] : typeof option === 'string' ? [option] : [...option]);
}

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
  /** The library names of the options the message names, the one at fault first (empty when none). */
  readonly options: readonly string[];

  constructor(code: StoreErrorCode, message: string, options: ErrorDetails & { readonly file?: string; readonly line?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.file = options.file;
    this.line = options.line;
    this.options = optionList(options.option);
  }

  /** The library name of the option at fault, when the error is about one. */
  get option(): string | undefined {
    return this.options[0];
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
  /** The library names of the options the message names, the one at fault first (empty when none). */
  readonly options: readonly string[];

  constructor(code: MlErrorCode, message: string, options: ErrorDetails = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlError';
    this.code = code;
    this.options = optionList(options.option);
  }

  /** The library name of the option at fault, when the error is about one. */
  get option(): string | undefined {
    return this.options[0];
  }
}
