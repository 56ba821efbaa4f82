/**
 * The `yaml1` reader: Python DSI's multi-document YAML. Each document is one row of the table its
 * `segment` key names:
 *
 * ```yaml
 * segment: math
 * specification: !jack      # column `specification` = "!jack" (NULL for an untagged mapping)
 *   a: 1                    # the mapping's entries are columns too
 *   c: "45.98 cm"           # a number with a unit: c = 45.98, unit of math.c = cm
 * ```
 *
 * Other keys with scalar values are columns. A string `<number> <unit>` becomes the number and a
 * unit for its column; other strings (`"home 23"`) stay text. One column with two different
 * units in one file is bad input.
 */
import { isMap, isNode, isScalar, type Pair } from 'yaml';
import { badInput } from '../errors.js';
import { DocumentTables, isPlainObject } from './document-tables.js';
import { FloatCell, type RawCell, type Reader, type UnitRecord } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { flattenRecord, toCell } from './table-source.js';
import { isEmpty, parseYaml, yamlToJs } from './yaml-reader.js';
import { checkValueNesting } from './nesting-limit.js';
import { checkOptionNames, readTextFile, textEncoding, textIdentityOptions } from './text-decoding.js';

export const yaml1Reader: Reader = {
  name: 'yaml1',
  description: "Python DSI's YAML1: one row per document in the table named by `segment`; `<number> <unit>` strings give units",
  identityOptions: textIdentityOptions,
  async read(file, context) {
    checkOptionNames(context.options, 'yaml1', ['encoding']);
    const { documents, lineOf } = parseYaml(await readTextFile(file, textEncoding(context.options, 'yaml1'), 'yaml1'), file);
    const tables = new DocumentTables(file);
    const units = new FileUnits(file);
    for (const document of documents) {
      if (isEmpty(document)) continue;
      checkValueNesting(yamlToJs(file, () => document.toJS()), file);
      const contents = document.contents;
      const line = lineOf(contents);
      const segment = isMap(contents) ? contents.get('segment', true) : undefined;
      if (!isMap(contents) || !isScalar(segment) || typeof segment.value !== 'string' || segment.value === '') {
        throw badInput(file, line, 'a YAML1 document must be a mapping with `segment: TABLE_NAME`');
      }
      const table = segment.value;
      const record = Object.create(null) as Record<string, RawCell>; // a `__proto__` key is a column like any other
      const setCell = (column: string, node: unknown) => {
        const value = isScalar(node) ? node.value : isNode(node) ? yamlToJs(file, () => node.toJS(document)) : node;
        const measured = typeof value === 'string' ? parseMeasured(value) : undefined;
        if (measured !== undefined) {
          record[column] = measured.value;
          if (typeof measured.value === 'number' && Number.isInteger(measured.value) && /[.eE]/.test(value as string)) {
            record[column] = new FloatCell(measured.value);
          }
          units.add({ table, column, unit: measured.unit, file, line: lineOf(node) });
        } else if (isPlainObject(value)) {
          flattenRecord(value, column, record);
        } else if (isScalar(node) && typeof value === 'number' && Number.isInteger(value) && /[.eE]/.test(node.source ?? '')) {
          record[column] = new FloatCell(value); // `10000.0e-4` is a float, though its value is 1
        } else {
          record[column] = toCell(value);
        }
      };
      for (const pair of contents.items) {
        const key = keyName(pair);
        if (key === 'segment') continue;
        if (isMap(pair.value)) {
          record[key] = pair.value.tag ?? null;
          for (const entry of pair.value.items) setCell(keyName(entry), entry.value);
        } else {
          setCell(key, pair.value);
        }
      }
      tables.addRecord(table, record, line);
    }
    return { tables: tables.sources(), units: units.records };
  },
};

/** `"45.98 cm"`, `"9.8 m / s / s"`, `"1 million grams"`: a number, whitespace, then a unit that is not a number. */
const MEASURED = /^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s+([^\s\d+\-.].*?)\s*$/;

/** Split a `<number> <unit>` string; integer literals stay integers (bigint beyond 2^53). */
export function parseMeasured(text: string): { value: number | bigint; unit: string } | undefined {
  const match = MEASURED.exec(text);
  if (match === null) return undefined;
  const [, number = '', unit = ''] = match;
  const value = /^[-+]?\d+$/.test(number) && !Number.isSafeInteger(Number(number)) ? BigInt(number) : Number(number);
  return { value, unit };
}

function keyName(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

/** The units of one file, each table.column once; a second, different unit is a conflict. */
class FileUnits {
  private readonly byColumn = new Map<string, UnitRecord>();

  constructor(private readonly file: string) {}

  add(record: UnitRecord): void {
    const key = `${record.table}\u0000${record.column}`;
    const seen = this.byColumn.get(key);
    if (seen === undefined) this.byColumn.set(key, record);
    else if (seen.unit !== record.unit) {
      throw badInput(
        this.file,
        record.line,
        `column ${snippet(record.table)}.${snippet(record.column)} has unit "${snippet(record.unit)}" here but "${snippet(seen.unit)}" on line ${seen.line ?? '?'}`,
      );
    }
  }

  get records(): UnitRecord[] {
    return [...this.byColumn.values()];
  }
}
