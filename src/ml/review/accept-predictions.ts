/**
 * Mark a run's predictions accepted, by a rule over `ml_predictions` columns (one condition of
 * the find language: `score >= 0.95`, `nn_distance (0.5, 3)`) or by the experts' verdicts. Each
 * accepted prediction records what accepted it (`rule: score >= 0.95`, `review: alice, bob`);
 * accepted predictions are what a child run (trained `from` RUN with `includeAccepted`)
 * learns from besides the original data.
 *
 * With `reviewed`, the latest verdict of each reviewer counts: a prediction is accepted when
 * some reviewer accepts it and none rejects it, and marked rejected (accepted = 0) when any does.
 * A rule only accepts: predictions it does not match keep their state, and it never overrides a
 * rejection (accepted = 0): an expert's "no" stands until an expert says otherwise.
 *
 * Beside the threshold (`rule`) and balanced best-N (`best`, `per`), `diverse` walks the matches
 * best-first and refuses near-duplicates of accepted images and of the training set
 * (diverse-selection.ts). `accepted_by` names the policy with its figures.
 */
import { MlError, StoreError } from '../../errors.js';
import { parseFindCondition } from '../../store/find-language.js';
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';
import { checkWholeNumber } from '../call-limits.js';
import { requireKind } from '../registry/run-record.js';
import { RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { checkMinDistance, DIVERSITY_QUANTILE, selectDiverse } from './diverse-selection.js';

export interface AcceptOptions {
  readonly run: string;
  /** One find-language condition over `ml_predictions` columns. */
  readonly rule?: string;
  /** Accept what experts accepted (and mark what they rejected). */
  readonly reviewed?: boolean;
  /**
   * With a rule: accept only the N best of its matches, ranked by the rule's column (highest first
   * for `>`/`>=`, lowest first for `<`/`<=`), per value of `per` when given. A fixed threshold
   * accepts most where the model is already good; `best` + `per` keeps the accepted set balanced.
   */
  readonly best?: number;
  /** An `ml_predictions` column (a conditioning parameter such as `label`) to take the best N of each value of. */
  readonly per?: string;
  /**
   * With a rule: walk its matches best-first and accept only those farther than `minDistance`
   * from every accepted image and from the training set, in a classifier's feature space
   * (diverse-selection.ts); with `best`, up to N of those (per `per` value).
   */
  readonly diverse?: boolean;
  /** With `diverse`: the feature-space distance to exceed (default: the 10th percentile of the training images' nearest-neighbour distances). */
  readonly minDistance?: number;
  /** With `diverse`: the finished classifier run whose features measure distance (default: the newest trained on the run's table). */
  readonly features?: string;
}

/**
 * Withdraws the acceptances rules made on a run's predictions (`accepted_by` starting `rule:`),
 * so another rule can be tried; expert decisions stay. Returns how many were withdrawn.
 */
export async function clearRuleAcceptances(store: Store, runId: string): Promise<number> {
  const registry = new RunRegistry(store);
  const run = await registry.get(runId);
  const ids = await registry.predictions.ruleAcceptedIds(run.run_id);
  if (ids.length === 0) return 0;
  await registry.transaction(async (tx) => {
    for (const id of ids) await tx.update('ml_predictions', { accepted: null, accepted_by: null }, { prediction_id: id });
  });
  return ids.length;
}

export interface AcceptResult {
  run_id: string;
  /** `rule: …` or `review`. */
  by: string;
  /** Predictions of the run the rule or the verdicts cover. */
  matched: number;
  /** Newly marked accepted by this call. */
  accepted: number;
  /** Newly marked rejected (only with `reviewed`). */
  rejected: number;
  /** Matched by the rule but left rejected, because they were rejected before. */
  kept_rejected: number;
  /** Accepted predictions of the run after this call. */
  accepted_total: number;
  predictions: number;
  /** With `diverse`: the distance required, its source, the features' run and what was passed over. */
  diversity?: { min_distance: number; threshold: 'given' | 'training quantile'; feature_run_id: string; near_accepted: number; near_training: number };
}

export async function acceptPredictions(store: Store, options: AcceptOptions): Promise<AcceptResult> {
  if ((options.rule === undefined) === !options.reviewed) throw new MlError('E_ML_ARGUMENT', (o) => `give exactly one of ${o('rule')} "COLUMN OP VALUE" or ${o('reviewed')}`);
  if (options.rule === undefined && (options.best !== undefined || options.per !== undefined)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('best')} and ${o('per')} rank the matches of a ${o('rule')}`);
  if (options.per !== undefined && options.best === undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('per')} COLUMN needs ${o('best')} N (how many of each value to accept)`);
  if (options.best !== undefined) checkWholeNumber('best', options.best, 1);
  if (!options.diverse && (options.minDistance !== undefined || options.features !== undefined)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('minDistance')} and ${o('features')} set the ${o('diverse')} policy; give ${o('diverse')} too`);
  if (options.diverse && options.rule === undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('diverse')} walks the matches of a ${o('rule')} best-first; give one (as "score >= 0.5")`);
  if (options.diverse) checkMinDistance(options.minDistance);
  if (options.features !== undefined && (typeof options.features !== 'string' || options.features === '')) throw new MlError('E_ML_ARGUMENT', (o) => `${o('features')} must name a classifier run, got ${JSON.stringify(options.features)}`);
  const registry = new RunRegistry(store);
  const run = await registry.get(options.run);
  const total = await registry.predictions.count(run.run_id);
  if (total === 0) throw new MlError('E_ML_DATA', `run ${run.run_id} has no predictions; predict with it first`);

  const chosen = options.rule !== undefined ? await byRule(store, run, options.rule, total, options) : { decisions: await byReviews(registry, run.run_id) };
  const decisions = chosen.decisions;
  let accepted = 0;
  let rejected = 0;
  let keptRejected = 0;
  await registry.transaction(async (tx) => {
    const current = await registry.predictions.acceptance(tx, run.run_id);
    for (const d of decisions) {
      const was = current.get(d.id) ?? null;
      const want = d.accept ? 1 : 0;
      if (was !== null && Number(was) === want) continue; // already decided so: keep who decided it
      if (options.rule !== undefined && was !== null && Number(was) === 0) {
        keptRejected++;
        continue;
      }
      await tx.update('ml_predictions', { accepted: want, accepted_by: d.by }, { prediction_id: d.id });
      if (d.accept) accepted++;
      else rejected++;
    }
  });
  const after = await registry.predictions.count(run.run_id, { acceptedOnly: true });
  const by = options.rule !== undefined ? chosen.by! : 'review';
  return { run_id: run.run_id, by, matched: decisions.length, accepted, rejected, kept_rejected: keptRejected, accepted_total: after, predictions: total, ...(chosen.diversity === undefined ? {} : { diversity: chosen.diversity }) };
}

type Decision = { id: string; accept: boolean; by: string };

type RuleChoice = { decisions: Decision[]; by?: string; diversity?: AcceptResult['diversity'] };

async function byRule(store: Store, run: RunRecord, rule: string, total: number, options: Pick<AcceptOptions, 'best' | 'per' | 'diverse' | 'minDistance' | 'features'>): Promise<RuleChoice> {
  const runId = run.run_id;
  let condition;
  try {
    condition = parseFindCondition(rule);
  } catch (e) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('rule')}: ${(e as Error).message}`, { cause: e });
  }
  const info = await store.describe('ml_predictions');
  const column = info.columns.find((c) => c.name.toLowerCase() === condition.column.toLowerCase());
  if (column === undefined) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('rule')} "${rule}": ml_predictions has no column "${condition.column}"; its columns: ${info.columns.map((c) => c.name).join(', ')}`);
  }
  let descending = true;
  if (options.best !== undefined || options.diverse) {
    if (condition.kind !== 'compare' || !['>', '>=', '<', '<='].includes(condition.op)) {
      throw new MlError('E_ML_ARGUMENT', (o) => `${o(options.best !== undefined ? 'best' : 'diverse')} ranks by the rule's column, so the rule needs > >= < or <= (as "score >= 0.5"), got "${rule.trim()}"`);
    }
    descending = condition.op === '>' || condition.op === '>=';
  }
  const per = options.per === undefined ? undefined : info.columns.find((c) => c.name.toLowerCase() === options.per!.toLowerCase());
  if (options.per !== undefined && per === undefined) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('per')} ${options.per}: ml_predictions has no such column; its columns: ${info.columns.map((c) => c.name).join(', ')}`);
  }
  let found;
  try {
    found = await store.find(rule, { table: 'ml_predictions' });
  } catch (e) {
    if (e instanceof StoreError) throw new MlError('E_ML_ARGUMENT', (o) => `${o('rule')}: ${e.messageWith(o)}`, { cause: e });
    throw e;
  }
  const matches = found.filter((r) => r['run_id'] === runId);
  if (matches.length === 0) {
    const stats = await new RunRegistry(store).predictions.columnRange(runId, column.name);
    const n = stats.n;
    const hint =
      n === 0
        ? `none of its ${total} predictions has a ${column.name}${column.name === 'score' || column.name === 'nn_distance' ? ` (evaluate run ${runId} to fill it)` : ''}`
        : `its ${total} predictions have ${column.name} from ${String(stats.lo)} to ${String(stats.hi)}${n < total ? ` (${total - n} without a value)` : ''}`;
    throw new MlError('E_ML_DATA', `no prediction of run ${runId} matches "${rule.trim()}": ${hint}; nothing was accepted`);
  }
  let chosen = matches;
  let by = `rule: ${rule.trim()}`;
  if (options.diverse) {
    const gan = requireKind(run, 'gan', '; the diversity policy compares generated images with a GAN run\'s training images');
    // A rejected prediction is never accepted by a rule, so it takes no place in the walk.
    const groups = rankedGroups(matches, column.name, descending, per?.name).map((g) =>
      g.filter((r) => r['accepted'] === null || r['accepted'] === undefined || Number(r['accepted']) !== 0).map((r) => ({ id: String(r['prediction_id']), accepted: Number(r['accepted']) === 1 })),
    );
    const picked = await selectDiverse(store, gan, groups, { minDistance: options.minDistance, features: options.features, limit: options.best });
    const q = picked.threshold === 'given' ? '' : `, the ${Math.round(DIVERSITY_QUANTILE * 100)}th percentile of the training images' nearest-neighbour distances`;
    by += `${options.best === undefined ? '' : `, best ${options.best}${per === undefined ? '' : ` per ${per.name}`}`}, diverse: min distance ${picked.minDistance.toPrecision(4)}${q} (features of ${picked.featureRunId})`;
    return {
      decisions: picked.ids.map((id) => ({ id, accept: true, by })),
      by,
      diversity: { min_distance: picked.minDistance, threshold: picked.threshold, feature_run_id: picked.featureRunId, near_accepted: picked.nearAccepted, near_training: picked.nearTraining },
    };
  }
  if (options.best !== undefined) {
    chosen = rankedGroups(matches, column.name, descending, per?.name).flatMap((g) => g.slice(0, options.best));
    by += `, best ${options.best}${per === undefined ? '' : ` per ${per.name}`}`;
  }
  return { decisions: chosen.map((r) => ({ id: String(r['prediction_id']), accept: true, by })), by };
}

/**
 * The rule's matches grouped by `per` (one group without it), each best-first by `column`. Ties
 * are broken by prediction id, so the same rule accepts the same predictions.
 */
function rankedGroups<R extends Row>(matches: readonly R[], column: string, descending: boolean, per: string | undefined): R[][] {
  const groups = new Map<string, R[]>();
  for (const r of matches) {
    const key = per === undefined ? '' : JSON.stringify(r[per] ?? null);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const value = (r: R): number => Number(r[column]);
  const id = (r: R): string => String(r['prediction_id']);
  const rank = (a: R, b: R): number => (descending ? value(b) - value(a) : value(a) - value(b)) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);
  return [...groups.values()].map((g) => [...g].sort(rank));
}

async function byReviews(registry: RunRegistry, runId: string): Promise<Decision[]> {
  const rows = await registry.reviews.verdicts(runId);
  if (rows.length === 0) throw new MlError('E_ML_DATA', `no expert verdicts are recorded for run ${runId}; record reviews of its predictions first`);
  // The latest verdict of each reviewer on each prediction.
  const latest = new Map<string, Map<string, string>>();
  for (const r of rows) {
    const id = String(r['prediction_id']);
    if (!latest.has(id)) latest.set(id, new Map());
    latest.get(id)!.set(String(r['reviewer']), String(r['verdict']));
  }
  const decisions: Decision[] = [];
  for (const [id, verdicts] of [...latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rejecters = [...verdicts].filter(([, v]) => v === 'reject').map(([who]) => who);
    const accepters = [...verdicts].filter(([, v]) => v === 'accept').map(([who]) => who);
    if (rejecters.length > 0) decisions.push({ id, accept: false, by: `review: rejected by ${rejecters.sort().join(', ')}` });
    else decisions.push({ id, accept: true, by: `review: ${accepters.sort().join(', ')}` });
  }
  return decisions;
}
