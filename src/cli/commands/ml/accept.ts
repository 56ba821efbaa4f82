/** `dsi ml accept --run RUN --rule "score >= 0.95" | --reviewed`: mark predictions accepted for retraining. */
import type { Command } from 'commander';
import { MlError } from '../../../errors.js';
import { withStore } from '../../context.js';
import { positiveNumber, wholeNumber } from '../../number-options.js';
import { printJson } from '../../output.js';
import { loadMl } from './load-ml.js';

export function registerMlAccept(ml: Command): void {
  ml.command('accept')
    .description('mark a run\'s predictions accepted, by a rule over ml_predictions columns or by the experts\' verdicts; a child run trains on them with dsi ml train --from RUN --include-accepted')
    .requiredOption('--run <run>', 'the run whose predictions to accept')
    .option('--rule <condition>', 'one find condition over ml_predictions columns: "score >= 0.95", "nn_distance (0.5, 3)", "label = 3"')
    .option('--best <n>', 'with --rule: accept only the N best matches, ranked by the rule\'s column (highest first for > and >=, lowest for < and <=)', wholeNumber(1))
    .option('--per <column>', 'with --best: the N best of each value of this column (a conditioning parameter such as label), so the accepted set stays balanced')
    .option('--diverse', "with --rule: walk its matches best-first, accepting only those farther (in a classifier's feature space) than --min-distance from every accepted image and from the training images")
    .option('--min-distance <x>', "with --diverse: the distance to exceed (default: the 10th percentile of the training images' nearest-neighbour distances)", positiveNumber)
    .option('--features <run>', 'with --diverse: the finished classifier run whose features measure distance (default: the newest trained on the run\'s table)')
    .option('--clear', 'withdraw the acceptances rules made on this run (expert verdicts stay), to try another rule')
    .option('--reviewed', 'accept what reviewers accepted and none rejected (the latest verdict of each reviewer counts); mark rejected what any rejected')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { run: string; rule?: string; reviewed?: boolean; best?: number; per?: string; diverse?: boolean; minDistance?: number; features?: string; clear?: boolean; json?: boolean }, cmd: Command) => {
      const ml = await loadMl();
      if (opts.clear) {
        if (opts.rule !== undefined || opts.reviewed) throw new MlError('E_ML_ARGUMENT', '--clear withdraws rule acceptances; run it on its own, then accept with a new --rule');
        const withdrawn = await withStore(cmd, (store) => ml.clearRuleAcceptances(store, opts.run));
        if (opts.json) printJson({ run_id: opts.run, withdrawn });
        else process.stdout.write(`withdrew ${withdrawn} rule acceptances of ${opts.run}; expert verdicts stay\n`);
        return;
      }
      const result = await withStore(cmd, (store) =>
        ml.acceptPredictions(store, { run: opts.run, ...(opts.rule === undefined ? {} : { rule: opts.rule }), ...(opts.reviewed ? { reviewed: true } : {}),
          ...(opts.best === undefined ? {} : { best: opts.best }),
          ...(opts.per === undefined ? {} : { per: opts.per }),
          ...(opts.diverse ? { diverse: true } : {}),
          ...(opts.minDistance === undefined ? {} : { minDistance: opts.minDistance }),
          ...(opts.features === undefined ? {} : { features: opts.features }),
        }),
      );
      if (opts.json) {
        printJson(result);
        return;
      }
      const kept = result.kept_rejected > 0 ? `; ${result.kept_rejected} matched but stay rejected (an expert rejected them)` : '';
      const rejected = result.rejected > 0 ? `, ${result.rejected} newly rejected` : '';
      const d = result.diversity;
      const passed = d === undefined ? '' : `; passed over as near-duplicates: ${d.near_accepted} near an accepted image, ${d.near_training} near a training image`;
      process.stdout.write(
        `${result.by}: ${result.matched} of ${result.predictions} predictions matched, ${result.accepted} newly accepted${rejected}${kept}${passed}\n` +
          `run ${result.run_id} now has ${result.accepted_total} accepted predictions; retrain with: dsi ml train --from ${result.run_id} --include-accepted\n`,
      );
    });
}
