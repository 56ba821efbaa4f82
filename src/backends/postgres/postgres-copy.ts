/**
 * Bulk loads through PostgreSQL's `COPY … FROM STDIN`, spoken with pg's own protocol support: a
 * query object pg's client runs like any other (its `submit`), which answers the server's
 * CopyInResponse with the rows as CopyData messages in COPY's text format and a CopyDone. No
 * other package is needed. The rows go in one statement: all of them, or none.
 */
import type { Cell } from '../../store/types.js';

/** The slice of pg's connection a COPY needs (pg's `Connection`, undocumented but stable since pg 7). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** Bytes per CopyData message. */
const CHUNK_BYTES = 1 << 20;

/** One cell in COPY's text format: `\N` for NULL, backslash escapes for the separators. */
function copyText(value: Cell | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** The rows of `rows` (cells by `cellAt(row, column)`) as COPY text, in chunks. */
export function copyChunks(rows: number, width: number, cellAt: (row: number, column: number) => Cell | undefined): Buffer[] {
  const chunks: Buffer[] = [];
  let text = '';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      if (c > 0) text += '\t';
      text += copyText(cellAt(r, c));
    }
    text += '\n';
    if (text.length >= CHUNK_BYTES) {
      chunks.push(Buffer.from(text, 'utf8'));
      text = '';
    }
  }
  if (text.length > 0) chunks.push(Buffer.from(text, 'utf8'));
  return chunks;
}

/**
 * A `COPY … FROM STDIN` statement with its data, to give to pg's `client.query`: it resolves with
 * the number of rows copied, or rejects with the server's error (whose `where` names the line).
 */
export class CopyIn {
  readonly text: string;
  readonly #chunks: readonly Buffer[];
  readonly #done: (error: Error | undefined, rows: number) => void;
  #settled = false;
  #rows = 0;
  /** pg sets this for queries it is given; unused here. */
  callback: unknown;

  constructor(text: string, chunks: readonly Buffer[], done: (error: Error | undefined, rows: number) => void) {
    this.text = text;
    this.#chunks = chunks;
    this.#done = done;
  }

  /** Called by pg's client when the connection is free. */
  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    for (const chunk of this.#chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const count = /(\d+)\s*$/.exec(message.text ?? '');
    this.#rows = count ? Number(count[1]) : 0;
  }

  /** Settled at the first error (pg's own queries do the same) or when the server is ready again. */
  handleError(error: Error): void {
    this.#settle(error);
  }

  handleReadyForQuery(): void {
    this.#settle(undefined);
  }

  #settle(error: Error | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#done(error, this.#rows);
  }

  // Messages a COPY does not get; pg's client may still call these on a query object.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** The 0-based data line a COPY error names (`COPY t, line 3, column x: …`), or undefined. */
export function copyErrorLine(error: unknown): number | undefined {
  const where = (error as { where?: unknown }).where;
  if (typeof where !== 'string') return undefined;
  const m = /COPY [^,]*, line (\d+)/.exec(where);
  return m ? Number(m[1]) - 1 : undefined;
}
