/**
 * Parameters that arrive as text (a side-car CSV's cells, the parts of a file name a pattern
 * picks out) typed one whole column at a time, as the store types a CSV column: all integers →
 * numbers, all numbers → numbers (whole ones kept FLOAT), anything else → the text as written, so
 * `007` stays `007` when a neighbour is not a number.
 */
import { DOES_NOT_FIT, convertText, inferColumnType } from '../store/type-inference.js';
import { FloatCell, type RawCell } from '../store/reader.js';

/** One column's text cells (null or '' = missing) as typed cells. */
export function typeTextColumn(values: readonly (string | null)[]): RawCell[] {
  const type = inferColumnType(values, 'text') ?? 'integer';
  return values.map((v): RawCell => {
    if (v === null || v === '') return null;
    const cell = convertText(v, type);
    if (cell === DOES_NOT_FIT) return v;
    if (type === 'float' && typeof cell === 'number' && Number.isInteger(cell)) return new FloatCell(cell);
    return cell;
  });
}
