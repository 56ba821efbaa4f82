/**
 * CSV out (RFC 4180, through papaparse's unparse): a header line, then one line per row; NULL is
 * an empty cell and integers beyond 2^53 keep every digit. Written through
 * `beginAtomicFileSync` (src/atomic-write.ts), so a failed or killed export never leaves half a
 * file; it never replaces the store, its data folder, or a file the written rows reference
 * (output-guard.ts).
 */
import { once } from 'node:events';
import fs from 'node:fs';
import Papa from 'papaparse';
import { beginAtomicFileSync } from '../atomic-write.js';
import { StoreError } from '../errors.js';
import type { Row } from '../store/types.js';
import { OutputGuard, isFileColumn } from './output-guard.js';
import type { WriteContext, Writer } from '../store/writer.js';
import { checkWriterOptions } from './writer-options.js';

export const csvWriter: Writer = {
  name: 'csv',
  extensions: ['.csv'],
  description: 'CSV file with a header line',
  options: {},
  async write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>, context?: WriteContext) {
    checkWriterOptions(csvWriter, context?.options);
    const guard = new OutputGuard(file, context);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      throw new StoreError('E_BAD_ARGUMENT', `${file}: is a folder, not a file`);
    }
    const fileColumns = columns.filter(isFileColumn);
    const target = beginAtomicFileSync(file);
    const out = fs.createWriteStream(target.temp, { encoding: 'utf8' });
    // Backpressure: wait for 'drain' when the stream's buffer is full. events.once removes both
    // of its listeners ('drain' and 'error') when either fires, so none accumulates per wait.
    const put = async (text: string): Promise<void> => {
      if (!out.write(text)) await once(out, 'drain');
    };
    let rows = 0;
    try {
      await put(`${Papa.unparse([columns as string[]], { newline: '\n' })}\n`);
      for await (const batch of batches) {
        batch.forEach((r, i) => {
          for (const c of fileColumns) if (typeof r[c] === 'string') guard.noteFile(r[c], rows + i + 1, c);
        });
        const data = batch.map((r) => columns.map((c) => {
          const v = r[c];
          return typeof v === 'bigint' ? v.toString() : v ?? null;
        }));
        await put(`${Papa.unparse(data, { newline: '\n' })}\n`);
        rows += batch.length;
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      await guard.beforeReplace();
      target.commit();
    } catch (e) {
      out.destroy();
      target.abort();
      throw e;
    }
    return { rows };
  },
};
