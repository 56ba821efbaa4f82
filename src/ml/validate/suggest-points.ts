/**
 * Where to simulate next: candidate parameter points ranked by the model's own uncertainty, so a
 * scientist knows which new runs would teach it most. Nothing is written to the store; the top
 * points can be written as a points CSV whose columns are exactly the run's conditions (the file
 * `dsi datasets add SIMULATION --points FILE` takes, and `dsi ml predict --points`).
 *
 * - **Uncertainty** of a candidate: the mean over pixels of the standard deviation (population)
 *   of its predicted images across the members of a surrogate ensemble (`members ≥ 2`), or, for
 *   a stochastic model (a GAN), across `samples` predictions with different seeds. A single
 *   deterministic model has no spread to measure and is refused.
 * - **Candidates**: a seeded Latin hypercube inside the trained ranges (default 2000), or a list.
 * - **Spacing**: the candidates are taken by decreasing uncertainty, and one is kept only when its
 *   distance (scaled space, parameter-space.ts) to every point kept so far is at least
 *   r = K^(−1/d) for K points over d continuous conditions: half the spacing of K points on a
 *   regular grid of [−1, 1]^d. So the top K do not all sit in the one most uncertain corner.
 *   When fewer than K survive, r is halved and the remaining candidates are taken again, until K
 *   are kept (or every candidate is).
 *
 * Limits, said in docs/ml-validation.md: members' disagreement measures the model's uncertainty,
 * not its error (members can agree and all be wrong, typically far outside the data); a GAN's
 * spread across seeds mixes what the model does not know with the variation it learned.
 *
 * ```ts
 * const s = await suggestPoints(store, { run: 'surrogate-…', top: 10, out: 'next.csv' });
 * s.points[0]; // { rank: 1, values: { a: 0.93, b: 0.12 }, uncertainty: 0.041, nearest_distance: 0.38 }
 * ```
 */
import { writeFileAtomic } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { checkSeed, checkWholeNumber } from '../call-limits.js';
import { openImagePredictor, type ImagePredictor } from '../predict/image-predictor.js';
import { predictBatched } from './batched-predict.js';
import { latinHypercube } from './latin-hypercube.js';
import { ParameterSpace } from './parameter-space.js';
import { trainingPoints } from './training-set.js';

export interface SuggestPointsOptions {
  readonly run: string;
  /** How many Latin hypercube candidates inside the trained ranges (default 2000), or the candidates themselves. */
  readonly candidates?: number | readonly Readonly<Record<string, unknown>>[];
  /** Points to suggest (default 10). */
  readonly top?: number;
  /** Seed of the candidates and of a stochastic model's predictions (default 0). */
  readonly seed?: number;
  /** Predictions per candidate of a stochastic model (default 8). */
  readonly samples?: number;
  /** Write the top points here as CSV (columns: the run's conditions). */
  readonly out?: string;
  readonly epoch?: number;
  readonly device?: string;
  readonly onProgress?: ProgressCallback;
}

export interface SuggestedPoint {
  readonly rank: number;
  readonly values: Readonly<Record<string, Cell>>;
  readonly uncertainty: number;
  /** Distance to the nearest training point, scaled space (null when none shares its categorical levels). */
  readonly nearest_distance: number | null;
}

export interface SuggestPointsResult {
  readonly run_id: string;
  readonly epoch: number;
  /** What the spread is taken over: `members` (an ensemble) or `seeds` (a stochastic model). */
  readonly method: 'members' | 'seeds';
  /** Members or seeds per candidate. */
  readonly spread_over: number;
  readonly candidates: number;
  /** The spacing finally required between suggested points (scaled space). */
  readonly spacing: number;
  readonly points: readonly SuggestedPoint[];
  /** The CSV written, when `out` was given. */
  readonly file: string | null;
  readonly seconds: number;
}

/** Candidates one call takes, at most. */
export const MAX_CANDIDATES = 100_000;

function checkOptions(options: SuggestPointsOptions): { top: number; seed: number; samples: number } {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'suggestPoints: options must be an object');
  if (typeof options.run !== 'string' || options.run === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('run')} must be a run id, got ${JSON.stringify(options.run)}`);
  const { candidates } = options;
  if (Array.isArray(candidates)) {
    if (candidates.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('candidates')} is an empty list: give at least one point`);
    if (candidates.length > MAX_CANDIDATES) throw new MlError('E_ML_ARGUMENT', (o) => `${o('candidates')} lists ${candidates.length} points; one call takes at most ${MAX_CANDIDATES}`);
  } else {
    const n = checkWholeNumber('candidates', candidates as number | undefined, 2000, 1);
    if (n > MAX_CANDIDATES) throw new MlError('E_ML_ARGUMENT', (o) => `${o('candidates')} asks for ${n} points; one call takes at most ${MAX_CANDIDATES}`);
  }
  const top = checkWholeNumber('top', options.top, 10, 1);
  const samples = checkWholeNumber('samples', options.samples, 8, 2);
  if (samples > 1000) throw new MlError('E_ML_ARGUMENT', (o) => `${o('samples')} must be at most 1000, got ${samples}`);
  if (options.out !== undefined && (typeof options.out !== 'string' || options.out === '')) throw new MlError('E_ML_ARGUMENT', (o) => `${o('out')} must be a file path, got ${JSON.stringify(options.out)}`);
  return { top, seed: checkSeed('seed', options.seed ?? 0), samples };
}

/** Rank candidates of a run by its uncertainty (see the file comment). */
export async function suggestPoints(store: Store, options: SuggestPointsOptions): Promise<SuggestPointsResult> {
  const started = performance.now();
  const { top, seed, samples } = checkOptions(options);
  const predictor = await openImagePredictor(store, options.run, {
    ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
    ...(options.device === undefined ? {} : { device: options.device }),
  });
  try {
    const method = predictor.members >= 2 ? 'members' : predictor.stochastic ? 'seeds' : undefined;
    if (method === undefined) {
      throw new MlError('E_ML_RUN', `run ${predictor.run.run_id} is one deterministic model: it has no spread to measure uncertainty by; train it as an ensemble (members ≥ 2)`);
    }
    const space = new ParameterSpace(predictor.conditions);
    const candidates = candidatePoints(space, options.candidates, seed);
    const spreadOver = method === 'members' ? predictor.members : samples;
    checkSeed('seed', seed, candidates.length * spreadOver);
    const uncertainty = spread(predictor, candidates, method, spreadOver, seed, options.onProgress);
    const training = await trainingPoints(store, predictor.run, space);
    const scaled = candidates.map((c) => space.scaled(c));
    const order = candidates.map((_, i) => i).sort((a, b) => uncertainty[b]! - uncertainty[a]! || a - b);
    const { chosen, spacing } = spacedTop(space, order, scaled, top);
    const points = chosen.map((i, r) => {
      const d = space.nearest(scaled[i]!, training).distance;
      return { rank: r + 1, values: candidates[i]!, uncertainty: uncertainty[i]!, nearest_distance: Number.isFinite(d) ? d : null };
    });
    if (options.out !== undefined) await writeFileAtomic(options.out, pointsCsv(space, points));
    return {
      run_id: predictor.run.run_id,
      epoch: predictor.epoch,
      method,
      spread_over: spreadOver,
      candidates: candidates.length,
      spacing,
      points,
      file: options.out ?? null,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    predictor.dispose();
  }
}

/** The candidates: a list checked against the conditions, or a Latin hypercube over the continuous ones. */
function candidatePoints(space: ParameterSpace, candidates: SuggestPointsOptions['candidates'], seed: number): Record<string, Cell>[] {
  if (Array.isArray(candidates)) return space.check(candidates, 'candidates');
  const categorical = space.conditions.filter((c) => c.kind === 'categorical').map((c) => c.name);
  if (categorical.length > 0) {
    throw new MlError('E_ML_ARGUMENT', (o) => `the run has categorical conditions (${categorical.join(', ')}), which a Latin hypercube cannot draw: give ${o('candidates')} as a list of points`);
  }
  return latinHypercube(space.conditions.flatMap((c) => (c.kind === 'continuous' ? [c] : [])), (candidates as number | undefined) ?? 2000, seed);
}

/** Per candidate: mean over pixels of the std across members (or seeds). */
function spread(predictor: ImagePredictor, candidates: readonly Record<string, Cell>[], method: 'members' | 'seeds', n: number, seed: number, onProgress: ProgressCallback | undefined): Float64Array {
  const per = predictor.channels * predictor.size * predictor.size;
  const sum = new Float64Array(candidates.length * per);
  const squares = new Float64Array(candidates.length * per);
  for (let k = 0; k < n; k++) {
    const images = predictBatched(predictor, candidates, method === 'members' ? { member: k } : { seeds: candidates.map((_, i) => seed + i * n + k) });
    for (let j = 0; j < images.length; j++) {
      const v = images[j]!;
      sum[j]! += v;
      squares[j]! += v * v;
    }
    onProgress?.({ task: `predictions (${method})`, done: k + 1, total: n, unit: method });
  }
  const out = new Float64Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    let total = 0;
    for (let j = i * per; j < (i + 1) * per; j++) {
      const mean = sum[j]! / n;
      total += Math.sqrt(Math.max(0, squares[j]! / n - mean * mean));
    }
    out[i] = total / per;
  }
  return out;
}

/** The first `top` of `order` kept apart by the spacing rule of the file comment. */
function spacedTop(space: ParameterSpace, order: readonly number[], scaled: readonly Float64Array[], top: number): { chosen: number[]; spacing: number } {
  const d = Math.max(1, space.continuous.length);
  let spacing = Math.pow(Math.min(top, order.length), -1 / d);
  const chosen: number[] = [];
  const taken = new Set<number>();
  const want = Math.min(top, order.length);
  while (chosen.length < want) {
    for (const i of order) {
      if (chosen.length >= want) break;
      if (taken.has(i)) continue;
      if (chosen.every((j) => space.distance(scaled[i]!, scaled[j]!) >= spacing)) {
        chosen.push(i);
        taken.add(i);
      }
    }
    if (chosen.length < want) spacing /= 2;
    if (spacing < 1e-12) spacing = 0;
  }
  // Ranked by uncertainty, whatever pass kept them.
  chosen.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { chosen, spacing };
}

/** The points as CSV: a header of the conditions' names, one row per point (numbers as JavaScript writes them, exactly). */
export function pointsCsv(space: ParameterSpace, points: readonly { readonly values: Readonly<Record<string, Cell>> }[]): string {
  const names = space.conditions.map((c) => c.name);
  const cell = (v: Cell): string => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[names.map((n) => cell(n)).join(','), ...points.map((p) => names.map((n) => cell(p.values[n] ?? null)).join(','))].join('\n')}\n`;
}
