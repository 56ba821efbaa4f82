/** The shapes the run API answers with (src/server/run-view.ts), as the pages read them. */

export interface RunSummary {
  readonly run_id: string;
  readonly kind: string;
  readonly model: string;
  readonly state: string;
  readonly parent_run_id: string | null;
  readonly epochs_done: number;
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
}

export interface EpochRow {
  readonly run_id: string;
  readonly epoch: number;
  readonly d_loss: number | null;
  readonly g_loss: number | null;
  readonly loss: number | null;
  readonly steps: number;
  readonly images_per_second: number | null;
  readonly seconds: number;
  readonly FILE_samples: string | null;
  readonly FILE_checkpoint: string | null;
  readonly created_at: string;
}

export type Row = Readonly<Record<string, unknown>>;
