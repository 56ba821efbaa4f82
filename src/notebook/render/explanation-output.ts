/**
 * SHAP values (`explainRun`'s result) as a notebook shows them: the bar chart every front end
 * draws (base value, the largest values, the rest summed; src/ml/plots/shap-bars.ts) and, for an
 * image explanation, its heat map.
 */
import path from 'node:path';
import { barPlotSpec, shapBars, shapTitle, type ExplanationResult } from '../../ml/index.js';
import type { Output } from '../rendering.js';
import { chartOutput } from './chart-output.js';
import { imageGridOutput, imagesOfRows } from './image-grid-output.js';

/** Whether `value` has the shape of an {@link ExplanationResult}. */
export function isExplanationResult(value: unknown): value is ExplanationResult {
  const v = value as Partial<ExplanationResult> | null;
  return typeof v === 'object' && v !== null && typeof v.explanation_id === 'string' && typeof v.base_value === 'number' && typeof v.values === 'object' && v.values !== null;
}

/** The outputs of `explanation`; `root` is the store's folder its heat map's path is relative to. */
export async function explanationOutputs(explanation: ExplanationResult, root: string | undefined): Promise<Output[]> {
  const values = Object.entries(explanation.values).map(([feature, value]) => ({ feature, value }));
  const bars = shapBars(values);
  const title = `${shapTitle(explanation.base_value, explanation.prediction)}, ${explanation.target} (${explanation.run_id})`;
  const spec = barPlotSpec(bars, { title, xLabel: 'feature', yLabel: 'SHAP value' });
  const outputs = [await chartOutput(spec, bars.map((b) => ({ feature: b.label, value: Number(b.value.toPrecision(5)) })), title)];
  if (explanation.file_heatmap && root !== undefined) {
    const images = await imagesOfRows([{ FILE: explanation.file_heatmap, target: explanation.target }], 'FILE', root, 1);
    outputs.push(imageGridOutput(images, 1, `heat map: red raised ${explanation.output}, blue lowered it (${path.basename(explanation.file_heatmap)})`));
  }
  return outputs;
}
