/**
 * One callback type for every long job (ingest, training, evaluation). The CLI renders it as a
 * progress bar, a server would stream it.
 *
 * @example
 * await store.read(['big.csv'], { onProgress: (p) => console.error(p.task, p.done, p.total) });
 */
export interface ProgressEvent {
  /** What is being done, e.g. `read big.csv`. */
  readonly task: string;
  /** Units done so far. */
  readonly done: number;
  /** Units in all, when known. */
  readonly total?: number;
  /** What a unit is: `bytes`, `rows`, `files`, `steps`… */
  readonly unit: string;
  /** Figures of the moment worth showing beside the bar (epoch, losses, images/s). */
  readonly detail?: Readonly<Record<string, string | number>>;
}

export type ProgressCallback = (event: ProgressEvent) => void;
