/**
 * The shapes the store's data routes answer with (src/server/routes/store-routes.ts and
 * gallery-routes.ts), as the data pages read them; those the server declares are its own
 * (src/server/api-types.ts).
 */
import type { RunEntry, SchemaColumn, SchemaEdge, SchemaTable, StoreSchema, TableEntry } from '../../../src/server/api-types.js';

export type { RunEntry, SchemaColumn, SchemaEdge, SchemaTable, StoreSchema, TableEntry };

export type JsonCell = string | number | null;
export type JsonRow = Readonly<Record<string, JsonCell>>;

export interface CinemaEntry {
  readonly folder: string;
  readonly rows: number;
  readonly columns: readonly string[];
  readonly fileColumns: readonly string[];
}

export interface Overview {
  readonly store: string | null;
  readonly cinema: CinemaEntry | null;
  readonly tables: readonly TableEntry[];
  readonly runs: readonly RunEntry[];
}

export interface TablePage {
  readonly table: string;
  readonly registry: boolean;
  readonly catalog: boolean;
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly sort: string | null;
  readonly descending: boolean;
  readonly columns: readonly SchemaColumn[];
  readonly referencedBy: readonly SchemaEdge[];
  readonly rows: readonly JsonRow[];
}

export interface FoundRows {
  readonly table: string;
  readonly where: string;
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly more: boolean;
  readonly rows: readonly JsonRow[];
}

export interface SearchAnswer {
  readonly term: string;
  readonly tables: readonly string[];
  readonly columns: readonly { readonly table: string; readonly column: string }[];
  readonly totalRows: number;
  readonly rowsPerTable: Readonly<Record<string, number>>;
  readonly limit: number;
  readonly rows: readonly JsonRow[];
}

export interface QueryAnswer {
  readonly sql: string;
  readonly limit: number;
  readonly more: boolean;
  readonly columns: readonly string[];
  readonly fileColumns: readonly string[];
  readonly rows: readonly JsonRow[];
}

export type Facet =
  | { readonly column: string; readonly kind: 'range'; readonly min: number; readonly max: number; readonly integer: boolean; readonly distinct: number }
  | { readonly column: string; readonly kind: 'choice'; readonly values: readonly { readonly value: JsonCell; readonly count: number }[] }
  | { readonly column: string; readonly kind: 'none'; readonly distinct: number };

export interface GalleryFacets {
  readonly label: string;
  readonly files: 'store' | 'cinema';
  readonly fileColumn: string | null;
  readonly fileColumns: readonly string[];
  readonly columns: readonly { readonly name: string; readonly numeric: boolean }[];
  readonly total: number;
  readonly facets: readonly Facet[];
}

export interface GalleryImages {
  readonly offset: number;
  readonly limit: number;
  readonly rows: readonly JsonRow[];
  readonly more: boolean;
  readonly total?: number;
}

export interface GallerySources {
  readonly tables: readonly { readonly table: string; readonly rows: number; readonly fileColumns: readonly string[] }[];
  readonly cinema: { readonly folder: string; readonly rows: number; readonly fileColumns: readonly string[] } | null;
}
