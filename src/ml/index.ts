/**
 * The ML workflows' public face: train and predict GANs on store data, with every run, epoch,
 * checkpoint and generated image in the store's `ml_` tables (DESIGN §4).
 */
export { trainGan, GAN_DEFAULTS, type TrainGanOptions, type TrainGanResult, type Precision } from './train/train-gan.js';
export { predictGan, type PredictGanOptions, type PredictGanResult, type Prediction } from './predict/predict-gan.js';
export { predictImages, type PredictImagesOptions, type PredictImagesResult, type ImagePrediction } from './predict/predict-images.js';
export { readPointsFile, MAX_POINTS, type PointsFile, type PointsFileOptions } from './predict/points-file.js';
export { openGanPredictor, type GanPredictor } from './predict/gan-predictor.js';
export { addImagePredictorKind, openImagePredictor, type ImagePredictor, type OpenPredictorOptions, type PredictOptions, type PredictorOpener } from './predict/image-predictor.js';
export { parameterCombinations, expandSpec, splitAssignment, MAX_COMBINATIONS, type CombinationRequest } from './predict/parameter-grid.js';
export { SEED_MAX, CALL_LIMITS } from './call-limits.js';
export { RunRegistry, describeDependent, type RunDependent, type RunRecord, type EpochRecord, type StepRecord, type RunKind, type RunStatus, type RunState } from './registry/run-registry.js';
export { isRunOf, requireKind, runForDisplay, storedParams, type RunRecordOf } from './registry/run-record.js';
export type { ClassifierRunParams, EmulatorRunParams, GanRunParams, SurrogateRunParams } from './registry/run-params.js';
export { ML_RUNS, ML_EPOCHS, ML_STEPS, ML_PREDICTIONS, ML_EVALUATIONS } from './registry/tables.js';
export { saveCheckpoint, loadCheckpoint, checkpointName, type CheckpointState, type TrainingPosition } from './checkpoints/gan-checkpoint.js';
export {
  saveClassifierCheckpoint,
  loadClassifierCheckpoint,
  readClassifierCheckpointState,
  classifierArchitectureOf,
  type ClassifierPosition,
  type ClassifierCheckpointState,
} from './checkpoints/classifier-checkpoint.js';
export { ganTrainStep, dcganTrainStep, type GanStepOptions, type DcganStepOptions, type DcganStepLosses, type StepModule, type StepOptimizer } from './train/gan-train-step.js';
export { inferConditions, MAX_CATEGORICAL_INTEGERS } from './data/condition-columns.js';
export { loadTrainingData, type TrainingData, type TrainingDataOptions } from './data/training-data.js';
export * from './models/index.js';
export { evaluateRun, type EvaluateRunOptions, type EvaluationResult, type ConditionEvaluation } from './evaluate/evaluate-run.js';
export { evenCombinations } from './evaluate/evaluation-images.js';
export { conditionGroup } from './evaluate/evaluation-metrics.js';
export { generateImages, type GenerateRequest } from './predict/generate-images.js';
export * from './evaluate/metrics/index.js';
export { trainClassifier, CLASSIFIER_DEFAULTS, type TrainClassifierOptions, type TrainClassifierResult } from './train/train-classifier.js';
export { recordReviews, RATING_RANGE, type ReviewInput, type RecordedReview, type Verdict } from './review/record-reviews.js';
export { importReviews, readReviewCsv } from './review/import-reviews.js';
export { acceptPredictions, clearRuleAcceptances, type AcceptOptions, type AcceptResult } from './review/accept-predictions.js';
export { reviewQueue, type QueuedPrediction } from './review/review-queue.js';
export { runLineage, type Lineage, type LineageRun } from './lineage/run-lineage.js';
export { checkSyntheticGenerations, DEFAULT_MAX_SYNTHETIC_GENERATIONS, syntheticGenerations, warningOf, type SyntheticGenerations } from './lineage/synthetic-generations.js';
export { DIVERSITY_QUANTILE, selectDiverse, type DiverseSelection, type DiversityOptions } from './review/diverse-selection.js';
export { acceptedPredictionsOf, loadPredictionImages, loadRunData, predictionsToInclude } from './data/included-predictions.js';
export { userName } from './registry/environment.js';
export { ML_REVIEWS, ML_EXPLANATIONS } from './registry/tables.js';
export { loadFeatureExtractor, defaultFeatureRun, type FeatureExtractor } from './evaluate/feature-extractor.js';
export * from './explain/index.js';
export * from './tabular/index.js';
export { lossPlotSvg, type EpochLosses } from './plots/loss-plot.js';
export { linePlotSvg, linePlotSpec, type LineSeries, type LinePlotOptions } from './plots/line-plot.js';
export { barPlotSvg, barPlotSpec, type Bar, type BarPlotOptions } from './plots/bar-plot.js';
export { histogramSvg, type HistogramOptions } from './plots/histogram.js';
export { writePlot, svgToPng, PNG_SCALE } from './plots/write-plot.js';
export { renderVegaLite } from './plots/render-vega-lite.js';
export { shapBars, shapTitle, MAX_SHAP_BARS } from './plots/shap-bars.js';
export { imageGridPng, type ImageGridShape, type ImageGridOptions } from '../images/image-grid.js';
export { labelledGridPng, labelledGridSize, assignmentLabel, type LabelledGridOptions, type LabelledGridLayout, type LabelledRow } from '../images/labelled-grid.js';
export { tanhToUint8 } from '../images/tanh-pixels.js';
export { runReportHtml, writeRunReport, sampleEpochs, REPORT_SAMPLE_EPOCHS } from './report/run-report.js';
export { runCard, type RunCard } from './report/run-card.js';
export { validateRun, SHEET_POINTS, MAX_VALIDATION_POINTS, type ValidateRunOptions, type ValidationResult, type ValidationPoint } from './validate/validate-run.js';
export { suggestPoints, pointsCsv, MAX_CANDIDATES, type SuggestPointsOptions, type SuggestPointsResult, type SuggestedPoint } from './validate/suggest-points.js';
export { latinHypercube, type ParameterRange } from './validate/latin-hypercube.js';
export { ParameterSpace, type ParameterPoint } from './validate/parameter-space.js';
export { scatterPlotSvg, scatterPlotSpec, type ScatterSeries, type ScatterPlotOptions } from './plots/scatter-plot.js';
export { trainSurrogate, nearestRunMse, SURROGATE_DEFAULTS, type TrainSurrogateOptions, type TrainSurrogateResult } from './train/train-surrogate.js';
export { openSurrogatePredictor } from './predict/surrogate-predictor.js';
export {
  saveSurrogateCheckpoint,
  loadSurrogateCheckpoint,
  readSurrogateCheckpointState,
  surrogateArchitectureOf,
  type SurrogatePosition,
  type SurrogateCheckpointState,
} from './checkpoints/surrogate-checkpoint.js';
export { planSweep, newSweepId, pointArgs, optionNamesIn, MAX_SWEEP_POINTS, type SweepPlan, type SweepPlanRequest, type TrainOptionInfo } from './sweep/sweep-plan.js';
export { SweepRegistry, type SweepRecord, type SweepLauncher, type SweepState } from './sweep/sweep-registry.js';
export { runLocalSweep, trainArguments, type DsiCommand, type PointOutcome, type SweepEvent, type LocalSweepOptions } from './sweep/local-launcher.js';
export { slurmFiles, writeSlurmFiles, submitSlurm, onPath, shellQuote, type SlurmOptions, type SlurmFiles } from './sweep/slurm-script.js';
