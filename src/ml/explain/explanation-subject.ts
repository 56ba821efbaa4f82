/**
 * What each kind of run hands the explanation workflow: the features and their names, the
 * coalition game of the model on the explained input, what was explained (the target) and which
 * scalar (the output), and the image to draw a heat map on when the features are image segments.
 * Adding a model kind means writing one function that builds this (see docs/ml-explain.md).
 */
import type { Cell } from '../../store/types.js';
import type { SegmentedImage } from './image-segmentation.js';
import type { ShapMethod } from './shapley-values.js';
import type { MaskedGame } from './tabular-masker.js';

/** Which scalar of a GAN is explained. */
export type ExplainOutput = 'score' | 'mean-intensity' | 'discriminator';
export const EXPLAIN_OUTPUTS: readonly ExplainOutput[] = Object.freeze(['score', 'mean-intensity', 'discriminator']);

/** How absent image segments are filled: the mean of the K background images, or each of them. */
export type ImageBackground = 'mean' | 'images';
export const IMAGE_BACKGROUNDS: readonly ImageBackground[] = Object.freeze(['mean', 'images']);

export type Segmentation = 'blocks' | 'superpixels';
export const SEGMENTATIONS: readonly Segmentation[] = Object.freeze(['blocks', 'superpixels']);

/** The options every subject builder receives, checked and with defaults filled in. */
export interface SubjectOptions {
  /** 1-based row of the run's data query, or undefined when a prediction is explained. */
  readonly row: number | undefined;
  readonly prediction: string | undefined;
  readonly method: ShapMethod | undefined;
  readonly background: number;
  readonly seed: number;
  readonly output: ExplainOutput | undefined;
  readonly class: string | undefined;
  readonly segmentation: Segmentation;
  readonly blocks: number;
  readonly imageBackground: ImageBackground;
  readonly device: string;
}

export interface ExplanationSubject {
  /** What was explained: `row 7`, `prediction p-…`. */
  readonly target: string;
  /** The explained scalar: `prediction of y`, `probability of label 3`, `mean-intensity`, … */
  readonly output: string;
  readonly features: readonly string[];
  readonly game: MaskedGame;
  /** Background rows drawn (min(K, rows)). */
  readonly backgroundRows: number;
  /** Present when the features are segments of this image. */
  readonly image?: SegmentedImage;
  /** Extra facts for the result (the class explained, the classifier used, …). */
  readonly details: Readonly<Record<string, Cell>>;
  /** Frees models; called once the values are computed, whatever happened. */
  dispose(): void;
}
