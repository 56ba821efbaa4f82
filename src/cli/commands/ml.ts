/** `dsi ml …`: the ML workflows (train, predict, and the run registry's runs, show, delete). */
import type { Command } from 'commander';
import { registerMlAccept } from './ml/accept.js';
import { registerMlEvaluate } from './ml/evaluate.js';
import { registerMlExplain } from './ml/explain.js';
import { registerMlLineage } from './ml/lineage.js';
import { registerMlMetrics } from './ml/metrics.js';
import { registerMlPredict } from './ml/predict.js';
import { registerMlReview } from './ml/review.js';
import { registerMlRuns } from './ml/runs.js';
import { registerMlSuggest } from './ml/suggest.js';
import { registerMlSweep } from './ml/sweep.js';
import { registerMlTrain } from './ml/train.js';
import { registerMlValidate } from './ml/validate.js';

export function registerMl(program: Command): void {
  const ml = program.command('ml').description('train GANs and classifiers on store data, generate images for chosen parameters, evaluate them, and manage the runs');
  registerMlTrain(ml);
  registerMlPredict(ml);
  registerMlRuns(ml);
  registerMlEvaluate(ml);
  registerMlExplain(ml);
  registerMlMetrics(ml);
  registerMlReview(ml);
  registerMlAccept(ml);
  registerMlLineage(ml);
  registerMlValidate(ml);
  registerMlSuggest(ml);
  registerMlSweep(ml);
  for (const c of ml.commands) c.exitOverride();
}
