/**
 * The shapes of the dashboard's JSON answers that the page reads too: declared once here, with no
 * import but the store's cell types, so the server (src/server/) and the page (web/, by type-only
 * imports) agree on them.
 */
import type { LogicalType } from '../store/types.js';

/** One table of the overview and the table list. */
export interface TableEntry {
  readonly table: string;
  readonly rows: number;
  readonly columns: number;
  /** A table of the run registry (`ml_…`). */
  readonly registry: boolean;
  /** One of the store's own bookkeeping tables (`dsi_units`, `dsi_relations`). */
  readonly catalog: boolean;
  readonly fileColumns: readonly string[];
}

/** One run of the overview. */
export interface RunEntry {
  readonly run_id: string;
  readonly kind: string;
  readonly model: string;
  readonly status: string;
  /** The status, with `killed` for a running run whose heartbeat stopped. */
  readonly state: string;
  readonly epochs_done: number;
  readonly created_at: string;
  readonly parent_run_id: string | null;
}

/** One column as the dashboard describes it. */
export interface SchemaColumn {
  readonly name: string;
  readonly type: LogicalType;
  readonly declaredType: string;
  readonly primaryKey: boolean;
  /** The unit recorded in `dsi_units`, if any. */
  readonly unit: string | null;
  /** Whether the column holds files (its name starts with FILE). */
  readonly file: boolean;
  /** What this column references, when it is a foreign key. */
  readonly references: { readonly table: string; readonly column: string } | null;
}

/** One foreign key between two tables of the store. */
export interface SchemaEdge {
  readonly table: string;
  readonly column: string;
  readonly refTable: string;
  readonly refColumn: string;
  /**
   * A link the run registry keeps by its own rules (`ml_epochs.run_id` → `ml_runs.run_id`),
   * not a key the database declares; the diagram draws it dashed.
   */
  readonly implied?: true;
}

export interface SchemaTable {
  readonly name: string;
  /** Store-managed tables of the run registry (`ml_…`). */
  readonly registry: boolean;
  /** The store's own bookkeeping (`dsi_…`). */
  readonly catalog: boolean;
  readonly columns: readonly SchemaColumn[];
}

export interface StoreSchema {
  readonly tables: readonly SchemaTable[];
  readonly edges: readonly SchemaEdge[];
}

/** One run in the list. */
export interface RunSummary {
  readonly run_id: string;
  readonly kind: string;
  readonly model: string;
  readonly state: string;
  readonly parent_run_id: string | null;
  readonly epochs_done: number;
  /** The epochs the run was asked for (its params' `epochs`), when it says. */
  readonly epochs_target: number | null;
  readonly steps_done: number;
  readonly d_loss: number | null;
  readonly g_loss: number | null;
  readonly images_per_second: number | null;
  readonly data_rows: number;
  readonly created_at: string;
  readonly finished_at: string | null;
  readonly heartbeat_at: string | null;
  readonly error: string | null;
  /** The sweep the run belongs to (`#/sweeps/ID`), or null. */
  readonly sweep_id: string | null;
}

/** One sweep of the sweep list. */
export interface SweepSummary {
  readonly sweep_id: string;
  readonly name: string;
  readonly launcher: string;
  readonly state: string;
  readonly job_id: string | null;
  /** The grid: option name → its values. */
  readonly grid: Readonly<Record<string, readonly string[]>>;
  /** Points in the grid, and how many of them have a run / a finished run. */
  readonly points: number;
  readonly runs: number;
  readonly finished: number;
  readonly created_at: string;
}

/** One point of a sweep compared: its grid values, its run (null before it started), status and final figures. */
export interface SweepPointView {
  readonly point: number;
  readonly values: Readonly<Record<string, string>>;
  readonly run_id: string | null;
  /** The run's state, or `pending` when no run recorded this point (yet). */
  readonly state: string;
  readonly epochs_done: number | null;
  /** The last epoch's losses (a GAN's g_loss/d_loss, another model's loss). */
  readonly final_loss: number | null;
  readonly final_d_loss: number | null;
  /** The newest overall value of each evaluation metric (test MSE, accuracy…). */
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly error: string | null;
}

/** A checkpoint of a run: the epoch it closed (null: the run's newest, mid-epoch) and whether its folder is still there. */
export interface CheckpointView {
  readonly epoch: number | null;
  readonly path: string;
  readonly exists: boolean;
}

/** A run's review tally: its predictions' acceptance, and what one reviewer has judged. */
export interface ReviewTally {
  readonly predictions: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly undecided: number;
  readonly reviews: number;
  readonly by_reviewer: { readonly reviewer: string; readonly judged: number; readonly accept: number; readonly reject: number; readonly rated: number };
}
