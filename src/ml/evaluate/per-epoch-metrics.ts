/**
 * Overall metrics of every saved epoch: each `checkpoints/epoch-NNNN` folder of the run, in epoch
 * order, generates the same count of images with the same seeds as the newest checkpoint, and is
 * measured against the same reference set (no per-condition values, no nearest-neighbour
 * distances). Progress of each epoch's metrics goes under `epoch N: …`; the time spent measuring
 * is added to `timings.metrics`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProgressCallback } from '../../progress.js';
import type { RunRegistry } from '../registry/run-registry.js';
import type { EvaluatedImages } from './evaluated-set.js';
import { evaluatedSetMetrics, type Scoring } from './evaluated-set-metrics.js';
import type { EpochEvaluation, EvaluationTimings } from './evaluation-result.js';
import type { ImageSet } from './image-sets.js';
import type { SetMetricsOptions } from './set-metrics.js';

export interface PerEpochInput {
  readonly registry: RunRegistry;
  readonly runId: string;
  readonly images: EvaluatedImages;
  readonly reference: ImageSet;
  readonly scoring: Scoring;
  /** Images generated per epoch. */
  readonly count: number;
}

/** The run's saved epoch folders, oldest first (none when it has no `checkpoints/` folder). */
export function savedEpochs(registry: RunRegistry, runId: string): string[] {
  const dir = registry.runPath(runId, 'checkpoints');
  const saved = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => /^epoch-\d{4}$/.test(d)).sort() : [];
  return saved.map((name) => path.join(dir, name));
}

/** One set of overall values per saved epoch. */
export function perEpochMetrics(input: PerEpochInput, o: SetMetricsOptions, warnings: string[], timings: EvaluationTimings, onProgress: ProgressCallback | undefined): EpochEvaluation[] {
  const perEpoch: EpochEvaluation[] = [];
  for (const folder of savedEpochs(input.registry, input.runId)) {
    const g = input.images.generate(folder, input.count);
    const t = performance.now();
    const progress = onProgress === undefined ? undefined : { onProgress, prefix: `epoch ${g.epoch}: ` };
    const { metrics } = evaluatedSetMetrics(input.reference, g, input.scoring, o, warnings, `epoch ${g.epoch}`, progress);
    timings.metrics += (performance.now() - t) / 1000;
    perEpoch.push({ epoch: g.epoch, metrics });
  }
  return perEpoch;
}
