/**
 * What a writer does for the store: turn a stream of rows into a file. The store declares this
 * contract and chooses a writer from the plugins it was opened with (by name, or by the output
 * file's extension); the writers themselves live in `src/writers/`.
 */
import type { UnitRow } from './catalog.js';
import type { StoredFileReference } from './stored-files.js';
import type { Row, TableInfo } from './types.js';

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
  /** The exported table's name when a table (not a query) is exported, for labels and units. */
  readonly table?: string | undefined;
  /** The store's tables (its catalog `dsi_*` ones left out) with columns, types and keys, in creation order. */
  readonly tables?: (() => Promise<readonly TableInfo[]>) | undefined;
  /** The units recorded in `dsi_units`. */
  readonly units?: (() => Promise<readonly UnitRow[]>) | undefined;
}

export interface Writer {
  /** The name the `writer` option of a write takes. */
  readonly name: string;
  readonly description: string;
  /** Output extensions (`.csv`, lowercase, with the dot) that pick this writer when none is named. */
  readonly extensions?: readonly string[];
  /** The options it takes: name → the values it accepts, as a list of writers shows them (`{}` for none). */
  readonly options: Readonly<Record<string, string>>;
  /**
   * `store`: the writer draws the store itself (its tables and keys, through `WriteContext.tables`)
   * and is given no table or query, no columns and no rows. Default `rows`.
   */
  readonly input?: 'rows' | 'store';
  /** Write `columns` and the rows of `batches` to `file` atomically; returns the row count. */
  write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>, context?: WriteContext): Promise<{ rows: number }>;
}
