/** `dsi ml lineage RUN`: the chain of data, runs, predictions, evaluations and reviews behind a run, and what descends from it. */
import type { Command } from 'commander';
import type { LineageRun } from '../../../ml/index.js';
import { withStore } from '../../context.js';
import { printJson } from '../../output.js';
import { loadMl } from './load-ml.js';

const format = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

/** The lines describing one run, indented by `indent`. */
export function lineageLines(r: LineageRun, indent: string, marker: string): string[] {
  const out = [`${indent}${marker}${r.run_id}  ${r.kind}/${r.model}  ${r.state}  ${r.epochs_done} epochs  seed ${r.seed}  ${r.created_at}`];
  const pad = `${indent}${' '.repeat(marker.length)}  `;
  out.push(`${pad}data: ${r.data.rows} rows (hash ${r.data.hash.slice(0, 12)}) from ${r.data.query}`);
  if (r.data.included_predictions > 0) {
    const from = Object.entries(r.data.included_from).map(([run, n]) => `${n} from ${run}`).join(', ');
    out.push(`${pad}      including ${r.data.included_predictions} accepted predictions (${from}); synthetic data of generation ${r.data.synthetic_generations}`);
  }
  if (r.predictions.total > 0) {
    const by = Object.entries(r.predictions.accepted_by).map(([who, n]) => `${n} by ${who}`).join('; ');
    out.push(`${pad}predictions: ${r.predictions.total}: ${r.predictions.accepted} accepted${by === '' ? '' : ` (${by})`}, ${r.predictions.rejected} rejected, ${r.predictions.undecided} undecided`);
  }
  if (r.evaluations.length > 0) {
    out.push(`${pad}evaluations: ${r.evaluations.map((e) => `${e.metric} ${format(e.value)}${e.std === null ? '' : ` ± ${format(e.std)}`}`).join(', ')}${r.evaluations[0]!.feature_run_id === null ? '' : ` (features ${r.evaluations[0]!.feature_run_id})`}`);
  }
  if (r.reviews.total > 0) {
    const rating = r.reviews.mean_rating === null ? '' : `, mean rating ${r.reviews.mean_rating.toFixed(2)} of ${r.reviews.rated}`;
    out.push(`${pad}reviews: ${r.reviews.total} by ${r.reviews.reviewers.join(', ')}: ${r.reviews.accept} accept, ${r.reviews.reject} reject${rating}`);
  }
  return out;
}

export function registerMlLineage(ml: Command): void {
  ml.command('lineage')
    .description('the chain behind a run (data, parent runs, the accepted predictions each included) and the runs descending from it, with predictions, evaluations and reviews')
    .argument('<run>', 'run id')
    .option('--json', 'print as JSON')
    .action(async (runId: string, opts: { json?: boolean }, cmd: Command) => {
      const ml = await loadMl();
      const lineage = await withStore(cmd, (store) => ml.runLineage(store, runId), { readOnly: true });
      if (opts.json) {
        printJson(lineage);
        return;
      }
      const lines: string[] = [];
      lineage.ancestry.forEach((r, depth) => lines.push(...lineageLines(r, '   '.repeat(depth), depth === 0 ? '' : '└─ ')));
      const base = lineage.ancestry.length;
      const depthOf = new Map<string, number>([[lineage.run_id, base - 1]]);
      for (const r of lineage.descendants) {
        const depth = (depthOf.get(r.parent_run_id ?? '') ?? base - 1) + 1;
        depthOf.set(r.run_id, depth);
        lines.push(...lineageLines(r, '   '.repeat(depth), '└─ '));
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
