/**
 * The `toml1` reader: Python DSI's TOML with units. Like `toml`, except that an inline table of
 * exactly `value` and `units` (`avg_height = {value = 5.5, units = "m"}`) is the cell 5.5 with
 * unit `m` for its table.column.
 */
import { isPlainObject, type Measured } from './document-tables.js';
import type { Reader } from '../store/reader.js';
import type { PlainValue } from './table-source.js';
import { readToml } from './toml-reader.js';
import { textIdentityOptions } from './text-decoding.js';

export const toml1Reader: Reader = {
  name: 'toml1',
  description: 'TOML with units: `{value = X, units = "u"}` is the cell X with unit u',
  identityOptions: textIdentityOptions,
  read: (file, context) => readToml(file, context, valueWithUnits),
};

function valueWithUnits(value: PlainValue): Measured | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 2 || !keys.includes('value') || !keys.includes('units') || typeof value['units'] !== 'string') return undefined;
  return { value: value['value'], unit: value['units'] };
}
