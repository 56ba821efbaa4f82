/**
 * What a reader gives the store: the contract the store declares and every reader implements
 * (the readers live in `src/readers/`; the store is given them as plugins). A reader turns one
 * input (a file, or a folder for `env`) into table sources, units and relations; the store infers
 * types, creates or widens tables and inserts rows, all inside one transaction per `read` call.
 */
import type { ProgressCallback } from '../progress.js';
import type { Relations } from './relations.js';

/**
 * A cell as a reader hands it over. Text sources give strings as written in the file (the store
 * decides what is a number); typed sources give the values' own types (a JSON string stays text).
 */
export type RawCell = null | string | number | bigint | boolean | FloatCell;

/**
 * A number the input wrote as a float (`1.0`, `10000.0e-4`) although its value is integral, so
 * its column is FLOAT as the author meant, not INTEGER.
 */
export class FloatCell {
  constructor(readonly value: number) {}
}

/** The rows of one table from one input. */
export interface TableSource {
  /** Table name as the input spells it; the store sanitises it (spaces and `-` to `_`). */
  readonly table: string;
  /** Column names as the input spells them, in order. */
  readonly columns: readonly string[];
  /** `text`: cells are the file's text and the store infers numbers; `typed`: cells keep their type. */
  readonly cells: 'text' | 'typed';
  /** The input file, for messages. */
  readonly file: string;
  /**
   * Call `consume` with each batch of rows in order; every row has `columns.length` cells. May be
   * called again to read the source once more from the start. A malformed row rejects with a
   * `StoreError` naming file and line. Text sources hand over fresh arrays that the store may
   * convert in place; empty strings in them are NULL.
   */
  forEachBatch(consume: (rows: RawCell[][]) => void | Promise<void>): Promise<void>;
  /**
   * The same rows column by column (`columns[c][r]`, `rows` of them), when the source can give
   * them so more cheaply (the CSV reader parses large files in a worker thread). Arrays are
   * fresh: the store converts them in place. `kinds[c]`, when given, overrides `cells` for one
   * column of one batch: `typed` means the source already turned its cells into numbers (the
   * store then reads the source again through `forEachBatch` if such a column must be TEXT,
   * where the file's own spelling counts).
   */
  forEachColumnBatch?(
    consume: (columns: RawCell[][], rows: number, kinds?: readonly ('text' | 'typed')[]) => void | Promise<void>,
  ): Promise<void>;
  /** 1-based line on which data row `row` (0-based) starts, for messages; undefined when unknown. */
  lineOfRow(row: number): Promise<number | undefined>;
  /**
   * Set when the source is a plain UTF-8 delimited text file (`file`; header record first, `"`
   * quotes, blank lines skipped), which a backend that can load such files itself
   * (`Backend.delimitedTextLoader`) may load instead of taking the rows: the rows are the same.
   */
  readonly delimitedText?: { readonly delimiter: string };
}

/** A unit seen for a column, with where it was seen (for conflict messages). */
export interface UnitRecord {
  readonly table: string;
  readonly column: string;
  readonly unit: string;
  readonly file: string;
  readonly line?: number | undefined;
}

export interface ReadResult {
  readonly tables: readonly TableSource[];
  readonly units: readonly UnitRecord[];
  /** Keys to apply (the `schema` and `ensemble` readers). */
  readonly relations?: Relations;
}

/**
 * Where a reader puts files the store keeps (the PNGs an IDX file becomes). They are written to a
 * staging folder and appear in the store's data folder only if the read commits.
 */
export interface FileSink {
  /**
   * Write `bytes` to `relative` (a path inside the data folder, `/`-separated); returns the value
   * for the row's `FILE` column, relative to the store's folder (`dsi.data/mnist/train/1.png`).
   */
  writeSync(relative: string, bytes: Uint8Array): string;
  /**
   * For readers that write many files themselves: the staging folder for `relative` (made), and
   * the `FILE` value of that folder; a file NAME written into `path` appears as `value/NAME`.
   * Write only while the read runs, and finish before it returns or fails.
   */
  folder(relative: string): { path: string; value: string };
}

/** What a reader may know about the call and the store. */
export interface ReadContext {
  /** The `table` option of the read, for readers that make one table. */
  readonly tableName?: string | undefined;
  /** The largest integer in `table.column`, or null when the table or column is absent or empty. */
  maxInteger(table: string, column: string): Promise<number | null>;
  readonly onProgress?: ProgressCallback | undefined;
  /** The folder `FILE…` paths are relative to (the one holding the store file), absolute. */
  readonly fileRoot?: string | undefined;
  /** Where to write files the store keeps; absent where the store has no data folder. */
  readonly files?: FileSink | undefined;
  /** Reader-specific options (`readerOptions` of the read); each reader checks its own. */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  /**
   * The read's `strict` option: refuse input the format's standard does not allow even where the
   * reader would otherwise make sense of it (the CSV reader: RFC 4180 exactly). Strictness never
   * changes the rows of an input it accepts.
   */
  readonly strict?: boolean | undefined;
}

export interface Reader {
  /** The name the `reader` option of a read takes. */
  readonly name: string;
  /** One line saying what it reads, for a list of readers. */
  readonly description: string;
  /** Input extensions (`.csv`, lowercase, with the dot) that pick this reader when none is named. */
  readonly extensions?: readonly string[];
  /**
   * True for a reader that observes the state of something (the machine, for `env`) rather than
   * reading a file's content: each read is a new observation, so the store never refuses it as a
   * repeat of an earlier read.
   */
  readonly observes?: boolean;
  /**
   * The options that make this file's rows what they are, in one canonical form: what the store's
   * record of read files (`dsi_ingested`) keeps as the read's identity beside the content hash and
   * the reader. Options equal to their default, or that cannot change the rows of this content,
   * are left out, so `encoding: 'utf8'` is the read without options. Absent: every option
   * given counts, as given.
   */
  identityOptions?(options: Readonly<Record<string, unknown>> | undefined, content: ContentFacts): Readonly<Record<string, unknown>>;
  /**
   * For a reader sharing an extension with others (a schema.org datacard is `.json`): whether
   * `file`'s content is its kind. Chosen by extension, a reader that recognises the file wins over
   * those without this hook, which win over those that do not recognise it. Must not throw (false
   * for a file it cannot read) and should look at little of a large file.
   */
  recognizes?(file: string): boolean;
  read(path: string, context: ReadContext): Promise<ReadResult>;
}

/** What the store learnt about a file's bytes while hashing them, for {@link Reader.identityOptions}. */
export interface ContentFacts {
  /** Every byte is below 0x80 (always false for a folder): every ASCII-compatible encoding reads it alike. */
  readonly ascii: boolean;
}
