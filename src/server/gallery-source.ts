/**
 * What the gallery shows images from: a table or a read-only query of the store, or an opened
 * Cinema database. Each source gives its columns, the facets of its parameter columns (a range
 * for numeric columns with many values, a choice for columns with few), and its rows a page at a
 * time with a filter applied, so the page never loads all rows. This file holds what both sources
 * share: the filter a request carries, checked against the source's columns, and the facet shapes.
 *
 * A filter travels as JSON in `filter=`: `{"brightness": {"min": 20, "max": 60}, "label": {"in": [3, 5]}}`.
 */
import { isFileColumn } from '../file-columns.js';
import { badRequest } from './http-errors.js';

/** A column of the source: whether its values are numbers (decides range or choice). */
export interface GalleryColumn {
  readonly name: string;
  readonly numeric: boolean;
}

/** A numeric column with many values: a slider from `min` to `max`. */
export interface RangeFacet {
  readonly column: string;
  readonly kind: 'range';
  readonly min: number | string | null;
  readonly max: number | string | null;
  /** Whether every value is a whole number (the slider steps by 1). */
  readonly integer: boolean;
  readonly distinct: number;
}

/** A column with few distinct values: a select, each value with its row count. */
export interface ChoiceFacet {
  readonly column: string;
  readonly kind: 'choice';
  readonly values: readonly { readonly value: number | string | null; readonly count: number }[];
}

/** A text column with too many values to choose from: shown, not filtered. */
export interface PlainFacet {
  readonly column: string;
  readonly kind: 'none';
  readonly distinct: number;
}

export type Facet = RangeFacet | ChoiceFacet | PlainFacet;

/** A column is a choice when it has at most this many distinct values (numbers)… */
export const NUMERIC_CHOICE_MAX = 12;
/** …or this many (text). */
export const TEXT_CHOICE_MAX = 50;

/** One condition of a filter. */
export type FilterTerm =
  | { readonly column: string; readonly kind: 'range'; readonly min: number | undefined; readonly max: number | undefined }
  | { readonly column: string; readonly kind: 'in'; readonly values: readonly (number | string | null)[] };

/** The rows a gallery request asks for: every term holds. */
export type GalleryFilter = readonly FilterTerm[];

/** How many values one `in` term may list. */
const MAX_IN_VALUES = 1000;

/**
 * The filter in `text` (JSON, see above), its columns checked against `columns`: an unknown
 * column, a malformed term or a value of the wrong kind is a 400 that names it.
 */
export function parseGalleryFilter(text: string | undefined, columns: readonly GalleryColumn[]): GalleryFilter {
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badRequest(`filter must be JSON such as {"label": {"in": [3]}, "brightness": {"min": 20, "max": 60}}: ${(e as Error).message}`, 'E_BAD_FILTER');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw badRequest('filter must be a JSON object of column → {min, max} or {in: [values]}', 'E_BAD_FILTER');
  const terms: FilterTerm[] = [];
  for (const [name, spec] of Object.entries(json as Record<string, unknown>)) {
    const column = columns.find((c) => c.name === name);
    if (column === undefined) throw badRequest(`filter names column "${name}", which these rows lack; their columns: ${columns.map((c) => c.name).join(', ')}`, 'E_BAD_FILTER');
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw badRequest(`filter of "${name}" must be {min, max} or {in: [values]}`, 'E_BAD_FILTER');
    const s = spec as Record<string, unknown>;
    if ('in' in s) {
      const values = s['in'];
      if (!Array.isArray(values) || values.length > MAX_IN_VALUES || values.some((v) => v !== null && typeof v !== 'number' && typeof v !== 'string')) {
        throw badRequest(`filter of "${name}": "in" must list at most ${MAX_IN_VALUES} numbers, texts or nulls`, 'E_BAD_FILTER');
      }
      terms.push({ column: name, kind: 'in', values: values as (number | string | null)[] });
      continue;
    }
    const bound = (key: 'min' | 'max'): number | undefined => {
      const v = s[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`filter of "${name}": ${key} must be a number, got ${JSON.stringify(v).slice(0, 40)}`, 'E_BAD_FILTER');
      return v;
    };
    const min = bound('min');
    const max = bound('max');
    if (min === undefined && max === undefined) throw badRequest(`filter of "${name}" must give min, max or in`, 'E_BAD_FILTER');
    if (!column.numeric) throw badRequest(`filter of "${name}": a range needs a numeric column; "${name}" holds text`, 'E_BAD_FILTER');
    terms.push({ column: name, kind: 'range', min, max });
  }
  return terms;
}

/** The file column the gallery shows: `wanted` when given (it must be a FILE column), else the first. */
export function chooseFileColumn(columns: readonly GalleryColumn[], wanted: string | undefined): string {
  const files = columns.map((c) => c.name).filter(isFileColumn);
  if (wanted !== undefined && wanted !== '') {
    if (!files.includes(wanted)) throw badRequest(`"${wanted}" is not a FILE column of these rows; their FILE columns: ${files.join(', ') || '(none)'}`, 'E_NO_FILE_COLUMN');
    return wanted;
  }
  if (files.length === 0) throw badRequest(`these rows have no FILE column to show as images; their columns: ${columns.map((c) => c.name).join(', ')}`, 'E_NO_FILE_COLUMN');
  return files[0]!;
}

/** A page of the gallery's rows. */
export interface GalleryPage {
  readonly rows: readonly Readonly<Record<string, number | string | null>>[];
  readonly more: boolean;
}

/** A source of gallery rows. */
export interface GallerySource {
  /** What the rows are, for the page's title (`table digits`, `query`, `Cinema database X.cdb`). */
  readonly label: string;
  /** Where a FILE value is served from: the store (`/files?path=`) or the Cinema database (`/files?cinema=`). */
  readonly files: 'store' | 'cinema';
  /** The columns; empty for a query without rows. */
  columns(): Promise<readonly GalleryColumn[]>;
  /** The row count and the facets of every parameter column (all but FILE columns). */
  facets(): Promise<{ readonly total: number; readonly facets: readonly Facet[] }>;
  /** `limit` rows from `offset` of those the filter keeps, and whether more follow. */
  page(filter: GalleryFilter, offset: number, limit: number): Promise<GalleryPage>;
  /** How many rows the filter keeps. */
  count(filter: GalleryFilter): Promise<number>;
}
