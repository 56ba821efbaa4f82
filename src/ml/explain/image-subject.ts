/**
 * The parts of an image explanation that do not depend on the model: the segmentation of the
 * explained image (blocks or superpixels), the background images drawn from the run's data and
 * what absent segments are filled with (their mean, by default, or each of them), and the game.
 *
 * With the mean (the default) an absent segment shows the mean of the K drawn images there: one
 * model output per coalition, so Kernel SHAP over 49 blocks is about 2,150 images. The base value
 * is then f(mean image) rather than the mean of f over the background. With `images` every
 * coalition is valued on each of the K images and averaged (the interventional expectation
 * proper), K times the work.
 */
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';
import { drawBackground } from './background.js';
import type { SubjectOptions } from './explain-options.js';
import type { ExplanationSubject } from './explanation-subject.js';
import { imageGame, meanImage } from './image-masker.js';
import { blockSegmentation } from './image-segmentation.js';
import { readImageFiles } from './run-data.js';
import { superpixelSegmentation } from './superpixels.js';

/**
 * The features, game and image of `predict` over the segments of `pixels` (C × size × size),
 * background drawn from the image column of `rows` with the options' K and seed.
 */
export async function imageSubjectParts(
  store: Store,
  pixels: Uint8Array,
  size: number,
  channels: 1 | 3,
  rows: readonly Row[],
  imageColumn: string,
  options: SubjectOptions,
  predict: (pixels: Uint8Array, count: number) => Float64Array,
): Promise<Required<Pick<ExplanationSubject, 'features' | 'game' | 'backgroundRows' | 'image'>>> {
  const segmentation =
    options.segmentation === 'superpixels'
      ? superpixelSegmentation(pixels, channels, size, size, { segments: options.blocks * options.blocks })
      : blockSegmentation(size, size, options.blocks);
  const drawn = drawBackground(rows.length, options.background, options.seed);
  const files = Array.from(drawn, (i) => rows[i]![imageColumn] ?? null);
  const plane = channels * size * size;
  const images = await readImageFiles(store, files, size, channels, 'a background row');
  const background = options.imageBackground === 'mean' ? meanImage(images, drawn.length, plane) : images;
  const image = { image: pixels, channels, height: size, width: size, segmentation };
  const game = imageGame({ ...image, background, backgroundCount: options.imageBackground === 'mean' ? 1 : drawn.length, predict });
  return { features: segmentation.names, game, backgroundRows: drawn.length, image };
}

/** Softmax probabilities of class `k` from logits laid out count × classes. */
export function classProbabilities(logits: Float32Array, count: number, classes: number, k: number | ((i: number) => number)): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const row = i * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[row + j]!);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[row + j]! - max);
    const target = typeof k === 'number' ? k : k(i);
    out[i] = Math.exp(logits[row + target]! - max) / sum;
  }
  return out;
}

/** The index of the largest of `classes` logits of image `i`. */
export function topClass(logits: Float32Array, i: number, classes: number): number {
  let top = 0;
  for (let j = 1; j < classes; j++) if (logits[i * classes + j]! > logits[i * classes + top]!) top = j;
  return top;
}
