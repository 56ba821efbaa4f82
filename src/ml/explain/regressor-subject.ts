/**
 * Explaining a tabular emulator (a `regressor` run): the features are the emulator's input
 * columns, x row N of the query it was trained on, the background K rows of that same query, and
 * the output its prediction of the target. Cells go to the emulator raw; it standardises numbers
 * and one-hot encodes text itself, so a text column is one feature, swapped whole.
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { RunRecord } from '../registry/run-registry.js';
import { loadEmulator } from '../tabular/index.js';
import { drawBackground } from './background.js';
import type { SubjectOptions } from './explain-options.js';
import type { ExplanationSubject } from './explanation-subject.js';
import { cellOf, featureCell, rowAt, runRows } from './run-data.js';
import { tabularGame, type FeatureRow } from './tabular-masker.js';

export async function regressorSubject(store: Store, run: RunRecord, options: SubjectOptions): Promise<ExplanationSubject> {
  if (options.prediction !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('prediction')} explains a stored image prediction; a regressor run explains a row of its data (${o('row')} N)`);
  if (options.output !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `a regressor run explains its prediction of the target; ${o('output')} ${options.output} is for GAN runs`);
  if (options.class !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('class')} is for classifier and GAN score explanations; a regressor has no classes`);
  const emulator = await loadEmulator(store, run.run_id);
  try {
    const rows = await runRows(store, emulator.dataQuery, run.run_id);
    const row = rowAt(rows, options.row!, run.run_id);
    const missing = emulator.features.filter((f) => cellOf(rows[0]!, f) === undefined);
    if (missing.length > 0) throw new MlError('E_ML_DATA', `the data query of run ${run.run_id} no longer has the feature columns ${missing.join(', ')}`);
    const cells = (r: (typeof rows)[number]): FeatureRow => emulator.features.map((f) => featureCell(cellOf(r, f)));
    const drawn = drawBackground(rows.length, options.background, options.seed);
    const game = tabularGame({ x: cells(row), background: Array.from(drawn, (i) => cells(rows[i]!)), predict: (r) => emulator.predict(r) });
    return {
      target: `row ${options.row}`,
      output: `prediction of ${emulator.target}`,
      features: [...emulator.features],
      game,
      backgroundRows: drawn.length,
      details: { model: emulator.model },
      dispose: () => emulator.dispose(),
    };
  } catch (e) {
    emulator.dispose();
    throw e;
  }
}
