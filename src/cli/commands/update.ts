import fs from 'node:fs';
import type { Command } from 'commander';
import { StoreError } from '../../errors.js';
import { fileSystemError } from '../../store/file-errors.js';
import type { RowEdit } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { withStore } from '../context.js';
import { wholeNumbers } from '../number-options.js';
import { printJson } from '../output.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `col=value` pairs; an empty value is NULL. */
function parseSets(sets: readonly string[]): Record<string, Cell> {
  const values: Record<string, Cell> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new StoreError('E_BAD_ARGUMENT', `--set expects column=value, got "${s}"`);
    const value = s.slice(eq + 1);
    values[s.slice(0, eq).trim()] = value === '' ? null : value;
  }
  return values;
}

/** Edits from a JSON array of rows that carry dsi_table_name and dsi_row_index (`find --json`). */
function editsFromFile(file: string): RowEdit[] {
  let rows: unknown;
  try {
    rows = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw fileSystemError(e, file);
    throw new StoreError('E_BAD_INPUT', `${file}: not JSON: ${e.message}`, { file });
  }
  if (!Array.isArray(rows)) throw new StoreError('E_BAD_INPUT', `${file}: expected a JSON array of rows as \`dsi find --json\` prints them`, { file });
  return rows.map((row: unknown, i) => {
    const r = row as Record<string, unknown>;
    const { dsi_table_name: table, dsi_row_index: index, ...values } = r ?? {};
    if (typeof table !== 'string' || typeof index !== 'number') {
      throw new StoreError('E_BAD_INPUT', `${file}: row ${i + 1} lacks dsi_table_name and dsi_row_index`, { file });
    }
    return { table, rowIndex: index, values: values as Record<string, Cell> };
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
      const modes = [opts.row !== undefined || opts.where !== undefined, opts.from !== undefined, opts.replace !== undefined].filter(Boolean).length;
      if (modes !== 1) {
        throw new StoreError('E_BAD_ARGUMENT', 'update: give one of TABLE --row N --set c=v, TABLE --where COND --set c=v, --from FILE.json, or TABLE --replace FILE');
      }
      const backup = opts.backup ? { backup: true } : {};
      const rowOptions = { ...backup, ...(opts.addColumns ? { addColumns: true } : {}) };
      /** A column the table lacks, named by --set or --from, is refused unless --add-columns. */
      const withHint = (e: unknown): never => {
        if (e instanceof StoreError && e.code === 'E_COLUMN_MISSING') throw new StoreError(e.code, `${e.message}; give --add-columns to add it`, { cause: e });
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
