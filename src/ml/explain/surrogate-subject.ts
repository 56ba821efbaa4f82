/**
 * Explaining a surrogate run over its parameters: the features are the parameters, x the
 * parameters of row N of the run's data (or of a stored prediction), the background K training
 * rows' parameters, and the output the mean of the predicted image (the ensemble's mean) over a
 * region (`region`, default the whole image). Exact SHAP over a handful of parameters costs
 * 2^k × K predictions; the values sum to the prediction minus the base value, and a parameter
 * the region does not depend on gets about 0.
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { openSurrogatePredictor } from '../predict/surrogate-predictor.js';
import { requireKind, type RunRecord } from '../registry/run-record.js';
import { drawBackground } from './background.js';
import type { SubjectOptions } from './explain-options.js';
import type { ExplanationSubject } from './explanation-subject.js';
import { imageRegion, isWholeImage, regionMeans } from './image-region.js';
import { cellOf, featureCell, predictionParams, predictionRow, rowAt, runRows } from './run-data.js';
import { tabularGame, type FeatureRow } from './tabular-masker.js';

/** Parameter rows predicted per call of the model. */
const BATCH = 512;

export async function surrogateSubject(store: Store, record: RunRecord, options: SubjectOptions): Promise<ExplanationSubject> {
  const run = requireKind(record, 'surrogate', '; this explains surrogate runs');
  if (options.output !== undefined && options.output !== 'mean-intensity') {
    throw new MlError('E_ML_ARGUMENT', (o) => `a surrogate's output is the mean of its predicted image over ${o('region')} (${o('output')} mean-intensity); ${o('output')} ${options.output} does not apply`);
  }
  if (options.class !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `a surrogate predicts images, not classes: ${o('class')} does not apply`);
  const params = run.params;
  const region = imageRegion(options.region, params.size);
  const names = params.conditions.map((c) => c.name);

  const rows = await runRows(store, run.data_query, run.run_id);
  let target: string;
  let values: (name: string) => Cell | undefined;
  if (options.row !== undefined) {
    const row = rowAt(rows, options.row, run.run_id);
    target = `row ${options.row}`;
    values = (n) => cellOf(row, n);
  } else {
    const p = await predictionRow(store, options.prediction!);
    target = `prediction ${options.prediction}`;
    const stored = predictionParams(p);
    values = (n) => stored[n] ?? cellOf(p, n);
  }
  const x: FeatureRow = names.map((n) => {
    const v = values(n);
    if (v === undefined || v === null) throw new MlError('E_ML_DATA', `${target} has no value for the parameter "${n}"`);
    return featureCell(v);
  });
  const drawn = drawBackground(rows.length, options.background, options.seed);
  const background: FeatureRow[] = Array.from(drawn, (i) => names.map((n) => featureCell(cellOf(rows[i]!, n))));

  const predictor = await openSurrogatePredictor(store, run, { device: options.device });
  try {
    const { channels, size } = predictor;
    const whole = isWholeImage(region, size);
    const game = tabularGame({
      x,
      background,
      predict: (featureRows) => {
        const out = new Float64Array(featureRows.length);
        for (let start = 0; start < featureRows.length; start += BATCH) {
          const part = featureRows.slice(start, start + BATCH);
          const combos = part.map((r) => Object.fromEntries(names.map((n, j) => [n, r[j] ?? null])));
          out.set(regionMeans(predictor.predict(combos), part.length, channels, size, region), start);
        }
        return out;
      },
      batchRows: 20_000,
    });
    return {
      target,
      output: whole ? 'mean-intensity' : `mean-intensity of region ${region.join(',')}`,
      features: names,
      game,
      backgroundRows: drawn.length,
      details: { region: region.join(','), members: predictor.members },
      dispose: () => predictor.dispose(),
    };
  } catch (e) {
    predictor.dispose();
    throw e;
  }
}
