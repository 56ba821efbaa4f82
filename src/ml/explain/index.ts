/**
 * SHAP explanations (DESIGN §5): model-agnostic Shapley values of batched coalition games (exact,
 * Kernel SHAP, antithetic permutation sampling), maskers that turn a model on table rows or image
 * segments into such a game, and `explainRun`, which explains a run's prediction and stores the
 * values in `ml_explanations`. See docs/ml-explain.md; each export's file has an example.
 */
export { restrictGame, type CoalitionValues, type ShapleyResult } from './coalition-game.js';
export { exactShapley, MAX_EXACT_FEATURES } from './exact-shapley.js';
export { kernelShap, defaultKernelSamples, type KernelShapOptions } from './kernel-shap.js';
export { permutationShap, defaultPermutations, permutationsForBudget, type PermutationShapOptions } from './permutation-shap.js';
export { shapleyValues, SHAP_METHODS, EXACT_DEFAULT_LIMIT, type ShapMethod, type ShapleyValuesOptions, type GameExplanation } from './shapley-values.js';
export { drawBackground, DEFAULT_BACKGROUND } from './background.js';
export { tabularGame, type TabularGameOptions, type MaskedGame, type FeatureCell, type FeatureRow } from './tabular-masker.js';
export { imageGame, meanImage, type ImageGameOptions } from './image-masker.js';
export { blockSegmentation, DEFAULT_BLOCKS, type ImageSegmentation } from './image-segmentation.js';
export { superpixelSegmentation, type SuperpixelOptions } from './superpixels.js';
export { heatmapImage, heatmapPng, type HeatmapInput } from './heatmap.js';
export { EXPLAIN_OUTPUTS, IMAGE_BACKGROUNDS, SEGMENTATIONS, type ExplainRunOptions, type ExplainOutput, type ImageBackground, type Segmentation } from './explain-options.js';
export { explainRun, type ExplanationResult } from './explain-run.js';
export { imageRegion, regionMeans, type ImageRegion } from './image-region.js';
