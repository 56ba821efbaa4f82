/**
 * Gallery rows from an opened Cinema database: its `data.csv`, already in memory, filtered and
 * paged there with the same filter and facets as the store's rows. Its FILE values are served by
 * `/files?cinema=VALUE`.
 */
import path from 'node:path';
import { isFileColumn } from '../file-columns.js';
import type { CinemaDatabase } from './cinema-database.js';
import { NUMERIC_CHOICE_MAX, TEXT_CHOICE_MAX, type Facet, type FilterTerm, type GalleryColumn, type GalleryFilter, type GalleryPage, type GallerySource } from './gallery-source.js';

type CinemaRow = Readonly<Record<string, string | number | null>>;

/** Whether `row` satisfies `term`. */
function holds(row: CinemaRow, term: FilterTerm): boolean {
  const v = row[term.column] ?? null;
  if (term.kind === 'in') return term.values.includes(v);
  if (typeof v !== 'number') return false;
  return (term.min === undefined || v >= term.min) && (term.max === undefined || v <= term.max);
}

export class CinemaGallerySource implements GallerySource {
  readonly files = 'cinema' as const;
  readonly label: string;
  readonly #db: CinemaDatabase;
  readonly #columns: readonly GalleryColumn[];

  constructor(db: CinemaDatabase) {
    this.#db = db;
    this.label = `Cinema database ${path.basename(db.folder)}`;
    this.#columns = Object.freeze(db.columns.map((name) => ({ name, numeric: db.rows.some((r) => typeof r[name] === 'number') && db.rows.every((r) => r[name] === null || typeof r[name] === 'number') })));
  }

  async columns(): Promise<readonly GalleryColumn[]> {
    return this.#columns;
  }

  async facets(): Promise<{ total: number; facets: Facet[] }> {
    const rows = this.#db.rows;
    const facets: Facet[] = [];
    for (const c of this.#columns) {
      if (isFileColumn(c.name)) continue;
      const counts = new Map<string | number | null, number>();
      for (const r of rows) {
        const v = r[c.name] ?? null;
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const distinct = [...counts.keys()].filter((v) => v !== null).length;
      if (distinct > 0 && distinct <= (c.numeric ? NUMERIC_CHOICE_MAX : TEXT_CHOICE_MAX)) {
        const values = [...counts].sort(([a], [b]) => (a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0)).map(([value, count]) => ({ value, count }));
        facets.push({ column: c.name, kind: 'choice', values });
      } else if (c.numeric && distinct > 0) {
        const numbers = rows.map((r) => r[c.name]).filter((v): v is number => typeof v === 'number');
        let min = Infinity;
        let max = -Infinity;
        for (const n of numbers) {
          if (n < min) min = n;
          if (n > max) max = n;
        }
        facets.push({ column: c.name, kind: 'range', min, max, integer: numbers.every(Number.isInteger), distinct });
      } else facets.push({ column: c.name, kind: 'none', distinct });
    }
    return { total: rows.length, facets };
  }

  #kept(filter: GalleryFilter): CinemaRow[] {
    return this.#db.rows.filter((r) => filter.every((t) => holds(r, t)));
  }

  async page(filter: GalleryFilter, offset: number, limit: number): Promise<GalleryPage> {
    const kept = this.#kept(filter);
    return { rows: kept.slice(offset, offset + limit), more: kept.length > offset + limit };
  }

  async count(filter: GalleryFilter): Promise<number> {
    return this.#kept(filter).length;
  }
}
