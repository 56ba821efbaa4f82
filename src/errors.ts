/**
 * The project's error classes. Callers branch on `code`, never on message text.
 *
 * @example
 * try { await store.query('DELETE FROM t'); }
 * catch (e) { if (e instanceof StoreError && e.code === 'E_READ_ONLY') … }
 *
 * An error about an option names it as the library's caller wrote it (`lr must be a positive
 * number, got -1`, never the command line's `--lr`). Such a message is written as a function of
 * how options are spelled, `(o) => `${o('lr')} must be a positive number, got ${lr}``: the
 * library spells each option as its own name, and a front end that spells them otherwise renders
 * the same message with its spelling ({@link MlError.messageWith}; the command line gives its
 * flags, src/cli/option-flags.ts). Only what the thrower marked as an option is ever respelled.
 * docs/errors.md has the rule.
 */

/** How a reader of a message knows an option, given its library name. */
export type OptionSpelling = (option: string) => string;

/** A message: plain text, or text naming options through an {@link OptionSpelling}. */
export type ErrorMessage = string | ((option: OptionSpelling) => string);

/** The message in the library's spelling, and the options it names in order of first mention. */
function libraryText(message: ErrorMessage): { readonly text: string; readonly options: readonly string[] } {
  if (typeof message === 'string') return { text: message, options: Object.freeze([]) };
  const named: string[] = [];
  const text = message((option) => {
    if (!named.includes(option)) named.push(option);
    return option;
  });
  return { text, options: Object.freeze(named) };
}

/**
 * What {@link StoreError} and {@link MlError} share: a message that may name options, kept so a
 * front end can spell them its own way.
 */
abstract class OptionNamingError extends Error {
  /** The library names of the options the message names, the one at fault first (empty when none). */
  readonly options: readonly string[];
  readonly #message: ErrorMessage;

  constructor(message: ErrorMessage, cause: unknown) {
    const { text, options } = libraryText(message);
    super(text, cause === undefined ? undefined : { cause });
    this.options = options;
    this.#message = message;
  }

  /** The library name of the option at fault, when the error is about one. */
  get option(): string | undefined {
    return this.options[0];
  }

  /**
   * The message with its options spelled by `spelling` (a front end's own names for them).
   *
   * @example
   * new MlError('E_ML_ARGUMENT', (o) => `${o('lr')} must be a positive number, got -1`).messageWith((o) => `--${o}`)
   * // "--lr must be a positive number, got -1"
   */
  messageWith(spelling: OptionSpelling): string {
    return typeof this.#message === 'string' ? this.message : this.#message(spelling);
  }
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
  | 'E_UNIQUE' // rows that break a primary key or unique column a table is given
  | 'E_CLOSED' // use after close()
  | 'E_UNSAFE_PATH' // a path from store content that leads outside its folder, or would replace the store
  | 'E_ALREADY_READ' // a file read into a table before, read into it again without asking to append
  | 'E_FILE' // a file or folder that cannot be read or written (no permission, no space, read-only file system)
  | 'E_BACKEND' // an unknown or unavailable backend
  | 'E_CONNECT' // a database server that cannot be reached (the message names host:port)
  | 'E_AUTH' // a database server that refuses the credentials (never shows the password)
  | 'E_NO_DATABASE' // a database server without the database the location names
  | 'E_TOOL_MISSING'; // a program the operation needs is not installed (Jupyter): the message gives the command that installs it

/** An error raised by the store, its readers, writers and backends. */
export class StoreError extends OptionNamingError {
  readonly code: StoreErrorCode;
  /** The input file the error is about, when there is one. */
  readonly file: string | undefined;
  /** 1-based line in {@link file}, when known. */
  readonly line: number | undefined;

  constructor(code: StoreErrorCode, message: ErrorMessage, options: { readonly file?: string; readonly line?: number; readonly cause?: unknown } = {}) {
    super(message, options.cause);
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
export class MlError extends OptionNamingError {
  readonly code: MlErrorCode;

  constructor(code: MlErrorCode, message: ErrorMessage, options: { readonly cause?: unknown } = {}) {
    super(message, options.cause);
    this.name = 'MlError';
    this.code = code;
  }
}
