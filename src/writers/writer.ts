/** What a writer does: turn a stream of rows into a file. Every writer refuses options it does not take. */
import { StoreError } from '../errors.js';
import type { StoredFileReference } from '../store/stored-files.js';
import type { Row } from '../store/types.js';

/** What a writer may know about the store it exports from. */
export interface WriteContext {
  /** The folder the rows' `FILE…` paths are relative to (the one holding the store), absolute. */
  readonly fileRoot: string;
  /** The store's own file (`NAME.db`), absolute, when it has one: never replaced, nor its `-wal`, `-shm`, `-journal`. */
  readonly storeFile?: string | undefined;
  /** The store's data folder (`NAME.data/`), absolute: never replaced, and no export is written inside it. */
  readonly dataFolder?: string | undefined;
  /**
   * A `FILE…` value of any table of the store that is `target` or lies inside it, if there is
   * one: a writer refuses to replace such a target (`OutputGuard.beforeReplace`).
   */
  readonly storedFileInside?: ((target: string) => Promise<StoredFileReference | undefined>) | undefined;
  /** Writer-specific options; each writer checks its own. */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
}

export interface Writer {
  /** The name `--writer` takes. */
  readonly name: string;
  readonly description: string;
  /** The options it takes: name → the values it accepts, as `--option NAME=…` shows them (`{}` for none). */
  readonly options: Readonly<Record<string, string>>;
  /** Write `columns` and the rows of `batches` to `file` atomically; returns the row count. */
  write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>, context?: WriteContext): Promise<{ rows: number }>;
}

/**
 * Refuse an option `writer` does not take, naming it and listing those it does; every writer
 * calls this first, so a misspelt option is an error rather than silently ignored.
 *
 * @example checkWriterOptions(csvWriter, { x: 'y' }) // E_BAD_ARGUMENT: the csv writer has no option "x"; it takes none
 */
export function checkWriterOptions(writer: Pick<Writer, 'name' | 'options'>, options: Readonly<Record<string, unknown>> | undefined): void {
  for (const key of Object.keys(options ?? {})) {
    if (!Object.hasOwn(writer.options, key)) {
      const takes = Object.entries(writer.options).map(([name, values]) => `${name}=${values}`);
      throw new StoreError('E_BAD_ARGUMENT', `the ${writer.name} writer has no option "${key.slice(0, 40)}"; it takes ${takes.length === 0 ? 'none' : takes.join(', ')}`);
    }
  }
}
