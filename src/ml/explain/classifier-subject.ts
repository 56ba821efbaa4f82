/**
 * Explaining an image classifier run: the features are the segments of one image (row N of the
 * run's data query, or a stored prediction's image), the output the classifier's probability of
 * one class: the class it predicts for that image, or the one the `class` option names.
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { loadFeatureExtractor } from '../evaluate/feature-extractor.js';
import { requireKind, type RunRecord } from '../registry/run-record.js';
import type { SubjectOptions } from './explain-options.js';
import type { ExplanationSubject } from './explanation-subject.js';
import { classProbabilities, imageSubjectParts, topClass } from './image-subject.js';
import { imageColumnOf, predictionRow, readImageFiles, rowAt, runRows } from './run-data.js';

/** The index of `wanted` among `levels` (compared as text), or an `E_ML_ARGUMENT` error listing them. */
export function classIndex(levels: readonly (string | number)[], wanted: string, column: string): number {
  const i = levels.findIndex((l) => String(l) === String(wanted));
  if (i < 0) {
    const shown = levels.length <= 20 ? levels.join(', ') : `${levels.slice(0, 20).join(', ')}, … (${levels.length} in all)`;
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('class')} must be one of the classifier's ${column} levels (${shown}), got ${JSON.stringify(wanted)}`);
  }
  return i;
}

export async function classifierSubject(store: Store, record: RunRecord, options: SubjectOptions): Promise<ExplanationSubject> {
  const run = requireKind(record, 'classifier', '; this explains classifier runs');
  if (options.output !== undefined && options.output !== 'score') {
    throw new MlError('E_ML_ARGUMENT', (o) => `a classifier run explains the probability of a class (choose it with ${o('class')}); ${o('output')} ${options.output} is for GAN runs`);
  }
  const params = run.params;
  const rows = await runRows(store, run.data_query, run.run_id);
  const column = imageColumnOf(rows[0]!, params.image_column, run.run_id);
  const target = options.row !== undefined ? `row ${options.row}` : `prediction ${options.prediction}`;
  const file = options.row !== undefined ? (rowAt(rows, options.row, run.run_id)[column] ?? null) : await predictionFile(store, options.prediction!);
  if (options.class !== undefined) classIndex(params.levels, options.class, params.label_column);

  const fx = await loadFeatureExtractor(store, run.run_id, { device: options.device });
  try {
    const k = fx.levels.length;
    const pixels = await readImageFiles(store, [file], fx.size, fx.channels, `the image of ${target}`);
    const explained = options.class !== undefined ? classIndex(fx.levels, options.class, fx.labelColumn) : topClass(fx.extract(pixels, 1).logits, 0, k);
    const predict = (images: Uint8Array, count: number): Float64Array => classProbabilities(fx.extract(images, count).logits, count, k, explained);
    const parts = await imageSubjectParts(store, pixels, fx.size, fx.channels, rows, column, options, predict);
    const level = fx.levels[explained]!;
    return {
      target,
      output: `probability of ${fx.labelColumn} ${String(level)}`,
      ...parts,
      details: { class: level },
      dispose: () => fx.dispose(),
    };
  } catch (e) {
    fx.dispose();
    throw e;
  }
}

async function predictionFile(store: Store, id: string): Promise<string | null> {
  const p = await predictionRow(store, id);
  const file = p['FILE'] ?? p['file'] ?? null;
  return file === null ? null : String(file);
}
