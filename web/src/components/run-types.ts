/** The shapes the run API answers with (src/server/run-view.ts), as the pages read them; the summary is the server's own (src/server/api-types.ts). */
import type { RunSummary } from '../../../src/server/api-types.js';

export type { RunSummary };

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
