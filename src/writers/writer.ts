/** What a writer does: turn a stream of rows into a file. */
import type { Row } from '../store/types.js';

export interface Writer {
  /** The name `--writer` takes. */
  readonly name: string;
  readonly description: string;
  /** Write `columns` and the rows of `batches` to `file` atomically; returns the row count. */
  write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>): Promise<{ rows: number }>;
}
