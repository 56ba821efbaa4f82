/**
 * The run to explain and what its kind makes of it: the run must be finished, and its kind must
 * have a subject builder (classifier, GAN, regressor, surrogate); the builder loads the model, finds the
 * explained input and the background and builds the coalition game. Nothing is written here;
 * the subject's models are the caller's to dispose.
 */
import { MlError } from '../../errors.js';
import type { RunRecord, RunRegistry } from '../registry/run-registry.js';
import { classifierSubject } from './classifier-subject.js';
import type { SubjectOptions } from './explain-options.js';
import type { ExplanationSubject } from './explanation-subject.js';
import { ganSubject } from './gan-subject.js';
import { regressorSubject } from './regressor-subject.js';
import { surrogateSubject } from './surrogate-subject.js';

/** The builder of each kind of run; a kind missing here is refused. */
const SUBJECTS: Record<string, typeof regressorSubject> = {
  classifier: classifierSubject,
  gan: ganSubject,
  regressor: regressorSubject,
  surrogate: surrogateSubject,
};

/** The kinds whose outputs are images a `region` can summarise. */
const REGION_KINDS = new Set(['gan', 'surrogate']);

/** The finished run `runId` and its subject, or an `E_ML_RUN` error saying why it cannot be explained. */
export async function subjectOfRun(registry: RunRegistry, runId: string, options: SubjectOptions): Promise<{ run: RunRecord; subject: ExplanationSubject }> {
  const run = await registry.get(runId);
  if (run.status !== 'finished') {
    throw new MlError('E_ML_RUN', `run ${run.run_id} is ${run.state}, not finished; explanations are of finished runs${run.state === 'killed' || run.state === 'stopped' ? ` (resume run ${run.run_id} to finish it)` : ''}`);
  }
  const build = SUBJECTS[run.kind];
  if (build === undefined) throw new MlError('E_ML_RUN', `run ${run.run_id} is a ${run.kind} run; explanations take ${Object.keys(SUBJECTS).join(', ')} runs`);
  if (options.region !== undefined && !REGION_KINDS.has(run.kind)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('region')} chooses the part of a predicted image to explain (surrogate runs, a GAN's mean-intensity); run ${run.run_id} is a ${run.kind} run`);
  }
  return { run, subject: await build(registry.store, run, options) };
}
