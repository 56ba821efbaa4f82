import type { Command } from 'commander';
import { StoreError } from '../../errors.js';
import { parseJsonExactly } from '../../readers/json-reader.js';
import { FloatCell } from '../../store/reader.js';
import { readUtf8FileSync } from '../../readers/text-decoding.js';
import { hasNul } from '../../store/identifiers.js';
import { snippet } from '../../store/snippet.js';
import type { RowEdit } from '../../store/store.js';
import { type Cell, describeNonCell, isCell } from '../../store/types.js';
import { withStore } from '../context.js';
import { wholeNumbers } from '../number-options.js';
import { printJson } from '../output.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `col=value` pairs; an empty value is NULL. A column named twice is refused. */
function parseSets(sets: readonly string[]): Record<string, Cell> {
  // No prototype: a column named `__proto__` is a key like any other.
  const values = Object.create(null) as Record<string, Cell>;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new StoreError('E_BAD_ARGUMENT', `--set expects column=value, got "${snippet(s)}"`);
    const column = s.slice(0, eq).trim();
    if (Object.hasOwn(values, column)) throw new StoreError('E_BAD_ARGUMENT', `--set names the column "${snippet(column)}" twice`);
    const value = s.slice(eq + 1);
    values[column] = value === '' ? null : value;
  }
  return values;
}

/** What `update --from` takes, as messages name it. */
const EDITS_FILE = 'rows as `dsi find --json` prints them (`{"rows": [...]}`, or the array alone)';

/**
 * Edits from a JSON array of rows that carry dsi_table_name and dsi_row_index (`find --json`).
 * The file is strict UTF-8 text; numbers keep what `find --json` printed: integers beyond 2^53
 * exact, `1e999` and `-1e999` as ±Infinity. A value must be one a cell holds (a number, text or
 * null): an object, an array or a boolean is refused naming the row and the column.
 */
function editsFromFile(file: string): RowEdit[] {
  const parsed = parseJsonExactly(readUtf8FileSync(file, EDITS_FILE), file);
  // `find --json` prints {rows, withheld}; an array of rows alone (its earlier shape) is taken too.
  const rows = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Array.isArray((parsed as { rows?: unknown }).rows) ? (parsed as { rows: unknown[] }).rows : parsed;
  if (!Array.isArray(rows)) throw new StoreError('E_BAD_INPUT', `${file}: expected ${EDITS_FILE}`, { file });
  return rows.map((row: unknown, i) => {
    const where = `${file}: row ${i + 1}`;
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new StoreError('E_BAD_INPUT', `${where} is not an object; expected ${EDITS_FILE}`, { file });
    const { dsi_table_name: table, dsi_row_index: index, ...rest } = row as Record<string, unknown>;
    if (typeof table !== 'string' || typeof index !== 'number' || !Number.isInteger(index)) {
      throw new StoreError('E_BAD_INPUT', `${where} lacks dsi_table_name (text) and dsi_row_index (a whole number)`, { file });
    }
    const values = Object.create(null) as Record<string, Cell>;
    for (const [column, raw] of Object.entries(rest)) {
      const value = raw instanceof FloatCell ? raw.value : raw;
      if (hasNul(column)) throw new StoreError('E_BAD_INPUT', `${where}, column "${snippet(column)}": the name has a NUL character; no column name may hold one`, { file });
      if (!isCell(value)) {
        throw new StoreError('E_BAD_INPUT', `${where}, column "${snippet(column)}": ${describeNonCell(value)} is not a value a cell holds (a number, text or null)`, { file });
      }
      values[column] = value;
    }
    return { table, rowIndex: index, values };
  });
}

export function registerUpdate(program: Command): void {
  program
    .command('update')
    .description('edit rows by their 1-based dsi_row_index, or replace a table (store-managed tables are refused)')
    .argument('[table]', 'the table to edit or replace')
    .option('--row <n...>', 'row indexes (1-based, as find prints dsi_row_index) to edit with --set', wholeNumbers(1))
    .option('--where <condition>', 'edit every row of the table that this find condition matches')
    .option('--set <column=value>', 'new value (repeatable); an empty value is NULL; a column the table lacks is refused unless --add-columns', collect, [])
    .option('--add-columns', 'add a column that --set or --from names and the table lacks (NULL in the other rows)')
    .option('--from <file.json>', 'edited `dsi find --json` output: each row carries dsi_table_name and dsi_row_index')
    .option('--replace <file>', 'replace the table with the rows of this file')
    .option('--reader <name>', 'reader for --replace (default: by extension)')
    .option('--backup', 'copy the store to NAME.backup-TIMESTAMP.db first')
    .option('--json', 'print {rows, backup} as JSON')
    .action(async (table: string | undefined, opts: { row?: number[]; where?: string; set: string[]; from?: string; replace?: string; reader?: string; addColumns?: boolean; backup?: boolean; json?: boolean }, cmd: Command) => {
      if (opts.row !== undefined && opts.where !== undefined) {
        throw new StoreError('E_BAD_ARGUMENT', 'update: give --row or --where to choose the rows, not both');
      }
      const modes = [opts.row !== undefined, opts.where !== undefined, opts.from !== undefined, opts.replace !== undefined].filter(Boolean).length;
      if (modes !== 1) {
        throw new StoreError('E_BAD_ARGUMENT', 'update: give one of TABLE --row N --set c=v, TABLE --where COND --set c=v, --from FILE.json, or TABLE --replace FILE');
      }
      const backup = opts.backup ? { backup: true } : {};
      const rowOptions = { ...backup, ...(opts.addColumns ? { addColumns: true } : {}) };
      /** A column the table lacks, named by --set or --from, is refused unless --add-columns. */
      const withHint = (e: unknown): never => {
        if (e instanceof StoreError && e.code === 'E_COLUMN_MISSING') throw new StoreError(e.code, (o) => `${e.messageWith(o)}; give --add-columns to add it`, { cause: e });
        throw e;
      };
      const result = await withStore(cmd, async (store) => {
        if (opts.from !== undefined) return store.updateRows(editsFromFile(opts.from), rowOptions).catch(withHint);
        if (table === undefined) throw new StoreError('E_BAD_ARGUMENT', 'update: name the table');
        if (opts.replace !== undefined) return store.replaceTable(table, opts.replace, { ...backup, ...(opts.reader ? { reader: opts.reader } : {}) });
        const values = parseSets(opts.set);
        if (Object.keys(values).length === 0) throw new StoreError('E_BAD_ARGUMENT', 'update: give at least one --set column=value');
        const indexes = opts.where !== undefined ? (await store.find(opts.where, { table })).map((r) => r.dsi_row_index) : opts.row!;
        return store.updateRows(indexes.map((rowIndex) => ({ table, rowIndex, values })), rowOptions).catch(withHint);
      });
      if (opts.json) printJson(result);
      else process.stdout.write(`updated ${result.rows} row(s)${result.backup ? `; backup: ${result.backup}` : ''}\n`);
    });
}
