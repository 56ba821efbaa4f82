/**
 * What each kind of run hands the explanation workflow: the features and their names, the
 * coalition game of the model on the explained input, what was explained (the target) and which
 * scalar (the output), and the image to draw a heat map on when the features are image segments.
 * Adding a model kind means writing one function that builds this (see docs/ml-explain.md).
 */
import type { Cell } from '../../store/types.js';
import type { SegmentedImage } from './image-segmentation.js';
import type { MaskedGame } from './tabular-masker.js';

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
