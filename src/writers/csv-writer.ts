/**
 * CSV out (RFC 4180, through papaparse's unparse): a header line, then one line per row; NULL is
 * an empty cell and integers beyond 2^53 keep every digit. Written through
 * `beginAtomicFileSync` (src/atomic-write.ts), so a failed or killed export never leaves half a
 * file; it never replaces the store, its data folder, or a file the written rows reference
 * (output-guard.ts).
 */
import fs from 'node:fs';
import Papa from 'papaparse';
import { beginAtomicFileSync } from '../atomic-write.js';
import { StoreError } from '../errors.js';
import type { Row } from '../store/types.js';
import { OutputGuard, isFileColumn } from './output-guard.js';
import type { WriteContext, Writer } from './writer.js';

export const csvWriter: Writer = {
  name: 'csv',
  description: 'CSV file with a header line',
  async write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>, context?: WriteContext) {
    const guard = new OutputGuard(file, context);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      throw new StoreError('E_BAD_ARGUMENT', `${file}: is a folder, not a file`);
    }
    const fileColumns = columns.filter(isFileColumn);
    const target = beginAtomicFileSync(file);
    const out = fs.createWriteStream(target.temp, { encoding: 'utf8' });
    const put = (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (out.write(text)) resolve();
        else out.once('drain', resolve).once('error', reject);
      });
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
