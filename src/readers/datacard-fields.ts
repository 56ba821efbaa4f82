/**
 * What the three datacard readers share: a datacard is one row of a table Python DSI names
 * (`dublin_core_datacard`, `schema_org_datacard`, `google_datacard`), its fields the columns in
 * the order the card gives them. Each format lists its fields; a card missing a required one, or
 * holding one its template does not know, is refused with one line naming the file and the
 * field, before anything reaches the store (so a failed read changes nothing).
 *
 * Datacards are small: a file over {@link SNIFF_LIMIT_BYTES} is never recognised by content, so
 * choosing a reader for a large `.json` or `.yml` file never parses it.
 */
import fs from 'node:fs';
import { StoreError, badInput } from '../errors.js';
import type { RawCell, ReadContext, TableSource } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { recordsSource, toCell } from './table-source.js';

/** Largest file `recognizes` parses to see whether it is a datacard. */
export const SNIFF_LIMIT_BYTES = 1 << 20;

/** The text of `file` when it is small enough to sniff, else undefined (never throws). */
export function sniffText(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > SNIFF_LIMIT_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The fields of one format: required ones, optional ones, both in template order. */
export interface DatacardFields {
  /** The format's name, for messages ("Dublin Core"). */
  readonly format: string;
  /** The table the card becomes a row of. */
  readonly table: string;
  readonly required: readonly string[];
  readonly optional?: readonly string[];
}

/**
 * Refuse a `table` option other than the format's own table: datacard tables have fixed names,
 * which Python DSI and `update` treat as reserved.
 */
export function checkTableOption(context: ReadContext, fields: DatacardFields, reader: string): void {
  const asked = context.tableName;
  if (asked !== undefined && asked.toLowerCase() !== fields.table) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `the ${reader} reader writes the table "${fields.table}"; ${o('table')} "${snippet(asked)}" cannot rename it`);
  }
  if (context.options !== undefined && Object.keys(context.options).length > 0) {
    throw new StoreError('E_BAD_ARGUMENT', `the ${reader} reader takes no options, got ${Object.keys(context.options).map((k) => `"${snippet(k)}"`).join(', ')}`);
  }
}

/**
 * One card's fields (name as the card spells it → value) as the table source of its row, after
 * checking them against `fields` (names compared ignoring case): every required field present,
 * no field the format does not know, none twice.
 */
export function datacardRow(file: string, fields: DatacardFields, card: readonly (readonly [string, unknown])[]): TableSource {
  const known = new Map([...fields.required, ...(fields.optional ?? [])].map((f) => [f.toLowerCase(), f]));
  const row: Record<string, RawCell> = Object.create(null) as Record<string, RawCell>;
  const seen = new Set<string>();
  for (const [name, value] of card) {
    const key = name.toLowerCase();
    if (!known.has(key)) {
      throw badInput(file, undefined, `"${snippet(name)}" is not a field of a ${fields.format} datacard (the fields: ${[...known.values()].join(', ')})`);
    }
    if (seen.has(key)) throw badInput(file, undefined, `the ${fields.format} datacard field "${snippet(name)}" is given twice`);
    seen.add(key);
    row[name] = value === '' ? null : toCell(value);
  }
  const missing = fields.required.filter((f) => !seen.has(f.toLowerCase()));
  if (missing.length > 0) {
    const list = missing.map((f) => `"${f}"`).join(', ');
    throw badInput(file, undefined, `the ${fields.format} datacard lacks the required field${missing.length === 1 ? '' : 's'} ${list} (an empty value is allowed; a missing field is not)`);
  }
  return recordsSource(fields.table, file, [row]);
}
