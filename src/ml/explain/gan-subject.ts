/**
 * Explaining a GAN run, two ways:
 *
 * - `discriminator`: D's probability that an image is real, over the segments of one image (row N
 *   of the run's data, or a stored prediction's image), with that image's conditions held fixed
 *   for a cdcgan.
 * - The conditional generator (cdcgan): the features are its conditioning parameters, x the
 *   conditions of row N (or of a stored prediction), the background K training rows' conditions,
 *   and the noise fixed (drawn as `generateImages` draws it, from `seed`, or from the
 *   prediction's seed so the explained image is the stored one). The output is a scalar of the
 *   generated image: `score`, the probability a classifier trained on the same table gives the
 *   conditioned class (the class in the row's label condition when the classifier's label column
 *   is a condition whose levels it knows; otherwise the class it predicts for x's image, or
 *   `class`), or `mean-intensity`, the mean pixel value on a 0–1 scale (over `region` when given).
 *
 * A dcgan has no parameters to explain: only the `discriminator` output applies.
 */
import fs from 'node:fs';
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import * as torch from '../../torch/index.js';
import { defaultFeatureRun, loadFeatureExtractor, type FeatureExtractor } from '../evaluate/feature-extractor.js';
import { encodeConditions, type ConditionSpec } from '../models/conditions.js';
import { createGan, type Gan } from '../models/gan.js';
import type { GanRunParams } from '../registry/run-params.js';
import { requireKind, type RunRecord } from '../registry/run-record.js';
import { RunRegistry } from '../registry/run-registry.js';
import { architectureOf, loadCheckpoint } from '../checkpoints/gan-checkpoint.js';
import { tanhToUint8 } from '../../images/tanh-pixels.js';
import { drawBackground } from './background.js';
import { imageRegion, isWholeImage, regionMeans } from './image-region.js';
import { classIndex } from './classifier-subject.js';
import type { ExplainOutput, SubjectOptions } from './explain-options.js';
import type { ExplanationSubject } from './explanation-subject.js';
import { classProbabilities, imageSubjectParts, topClass } from './image-subject.js';
import { cellOf, featureCell, imageColumnOf, predictionParams, predictionRow, readImageFiles, rowAt, runRows } from './run-data.js';
import { tabularGame, type FeatureRow } from './tabular-masker.js';

/** Images per forward pass of the generator or the discriminator. */
const BATCH = 500;

/** The output to explain: the one asked for, else `score` when a classifier of the run's table exists. */
async function resolveOutput(store: Store, run: RunRecord, params: GanRunParams, asked: ExplainOutput | undefined): Promise<{ output: ExplainOutput; featureRun: string | undefined }> {
  if (params.model === 'dcgan') {
    if (asked !== undefined && asked !== 'discriminator') {
      throw new MlError('E_ML_ARGUMENT', (o) => `run ${run.run_id} is an unconditioned dcgan: its generator has no parameters to explain, so ${o('output')} ${asked} does not apply; use ${o('output')} discriminator to explain its discriminator over image blocks`);
    }
    if (asked === undefined) {
      throw new MlError('E_ML_ARGUMENT', (o) => `run ${run.run_id} is an unconditioned dcgan: its generator has no parameters to explain; use ${o('output')} discriminator to explain its discriminator over image blocks`);
    }
    return { output: 'discriminator', featureRun: undefined };
  }
  if (asked === 'discriminator' || asked === 'mean-intensity') return { output: asked, featureRun: undefined };
  const featureRun = await defaultFeatureRun(store, params.source_table ?? null);
  if (featureRun === undefined) {
    const table = params.source_table ?? 'its table';
    throw new MlError(
      'E_ML_ARGUMENT',
      (o) => asked === 'score'
        ? `${o('output')} score needs a finished classifier trained on ${table}, and there is none (train one on ${table} first), or pass ${o('output')} mean-intensity`
        : `the default output of a conditional generator is the score of a classifier trained on ${table}, and there is none: pass ${o('output')} mean-intensity (or ${o('output')} discriminator), or train a classifier on ${table} first`,
    );
  }
  return { output: 'score', featureRun };
}

/** A row's or prediction's value of each condition, refused clearly when one is missing. */
function conditionsOf(values: (name: string) => Cell | undefined, specs: readonly ConditionSpec[], where: string): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const s of specs) {
    const v = values(s.name);
    if (v === undefined || v === null) throw new MlError('E_ML_DATA', `${where} has no value for the condition "${s.name}"`);
    out[s.name] = typeof v === 'bigint' ? Number(v) : v;
  }
  return out;
}

function encode(specs: readonly ConditionSpec[], rows: readonly Record<string, unknown>[], device: string): torch.Tensor {
  try {
    return encodeConditions(specs, rows).to(device);
  } catch (e) {
    throw new MlError('E_ML_DATA', `the conditions to explain cannot be encoded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export async function ganSubject(store: Store, record: RunRecord, options: SubjectOptions): Promise<ExplanationSubject> {
  const run = requireKind(record, 'gan', '; this explains GAN runs');
  const params = run.params;
  const { output, featureRun } = await resolveOutput(store, run, params, options.output);
  if (options.region !== undefined && output !== 'mean-intensity') throw new MlError('E_ML_ARGUMENT', (o) => `${o('region')} chooses the part of the generated image whose ${o('output')} mean-intensity is explained; it does not apply to ${o('output')} ${output}`);
  const region = output === 'mean-intensity' ? imageRegion(options.region, params.size) : undefined;
  if (options.class !== undefined && output !== 'score') throw new MlError('E_ML_ARGUMENT', (o) => `${o('class')} chooses the classifier's class of ${o('output')} score; it does not apply to ${o('output')} ${output}`);
  const registry = new RunRegistry(store);
  if (run.FILE_checkpoint === null) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} has no checkpoint`);
  const checkpoint = registry.absolute(run.FILE_checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`);
  if (!fs.existsSync(checkpoint)) throw new MlError('E_ML_CHECKPOINT', `the checkpoint of run ${run.run_id} is missing: ${run.FILE_checkpoint}`);

  // The explained input: a data row, or a stored prediction.
  const rows = await runRows(store, run.data_query, run.run_id);
  const specs = params.conditions;
  let target: string;
  let conditions: Record<string, Cell>;
  let file: Cell;
  let noiseSeed = options.seed;
  if (options.row !== undefined) {
    const row = rowAt(rows, options.row, run.run_id);
    target = `row ${options.row}`;
    conditions = conditionsOf((n) => cellOf(row, n), specs, `row ${options.row} of the data query of run ${run.run_id}`);
    file = output === 'discriminator' ? (row[imageColumnOf(row, params.image_column, run.run_id)] ?? null) : null;
  } else {
    const p = await predictionRow(store, options.prediction!);
    target = `prediction ${options.prediction}`;
    const values = predictionParams(p);
    conditions = conditionsOf((n) => values[n] ?? cellOf(p, n), specs, `prediction ${options.prediction}`);
    file = p['FILE'] ?? null;
    if (output !== 'discriminator') {
      const seed = p['seed'];
      if (seed === null || seed === undefined) throw new MlError('E_ML_DATA', `prediction ${options.prediction} has no seed, so its noise cannot be drawn again`);
      noiseSeed = Number(seed);
    }
  }

  const gan = createGan(architectureOf(params));
  let fx: FeatureExtractor | undefined;
  try {
    loadCheckpoint(checkpoint, gan);
    gan.to(options.device).eval();
    const { size, channels } = params;
    if (output === 'discriminator') {
      const column = imageColumnOf(rows[0]!, params.image_column, run.run_id);
      const pixels = await readImageFiles(store, [file], size, channels, `the image of ${target}`);
      const predict = (images: Uint8Array, count: number): Float64Array => discriminatorProbabilities(gan, images, count, specs.length === 0 ? undefined : conditions, options.device);
      const parts = await imageSubjectParts(store, pixels, size, channels, rows, column, options, predict);
      return {
        target,
        output: 'discriminator',
        ...parts,
        details: specs.length === 0 ? {} : { conditions: JSON.stringify(conditions) },
        dispose: () => gan.dispose(),
      };
    }

    // The conditional generator over its parameters.
    const names = specs.map((s) => s.name);
    const drawn = drawBackground(rows.length, options.background, options.seed);
    const background: FeatureRow[] = Array.from(drawn, (i) => {
      const row = rows[i]!;
      return names.map((n) => featureCell(cellOf(row, n)));
    });
    const x: FeatureRow = names.map((n) => featureCell(conditions[n]));
    const noise = noiseVector(gan.architecture.noiseDim, noiseSeed);
    const generate = (featureRows: readonly FeatureRow[]): Float32Array => generateWithNoise(gan, noise, featureRows.map((r) => Object.fromEntries(names.map((n, j) => [n, r[j]]))), options.device);
    let scalar: (images: Float32Array, count: number, featureRows: readonly FeatureRow[]) => Float64Array;
    const details: Record<string, Cell> = { noise_seed: noiseSeed };
    let outputName: string = output;
    if (output === 'mean-intensity') {
      scalar = (images, count) => regionMeans(images, count, channels, size, region!, (v) => (v + 1) / 2);
      if (!isWholeImage(region!, size)) {
        outputName = `mean-intensity of region ${region!.join(',')}`;
        details['region'] = region!.join(',');
      }
    } else {
      fx = await loadFeatureExtractor(store, featureRun!, { device: options.device });
      const extractor = fx;
      if (extractor.size !== size || extractor.channels !== channels) {
        throw new MlError('E_ML_RUN', (o) => `the classifier ${extractor.runId} takes ${extractor.size}×${extractor.size}×${extractor.channels} images, the GAN makes ${size}×${size}×${channels}; use ${o('output')} mean-intensity`);
      }
      const k = extractor.levels.length;
      const labelAt = names.findIndex((n) => n.toLowerCase() === extractor.labelColumn.toLowerCase());
      const labelSpec = labelAt < 0 ? undefined : specs[labelAt];
      const known = new Map(extractor.levels.map((l, i) => [String(l), i]));
      const conditioned = options.class === undefined && labelSpec?.kind === 'categorical' && labelSpec.levels.every((l) => known.has(String(l)));
      details['feature_run_id'] = extractor.runId;
      if (conditioned) {
        scalar = (images, count, featureRows) =>
          classProbabilities(extractor.extract(tanhToUint8(images), count).logits, count, k, (i) => known.get(String(featureRows[i]![labelAt]))!);
        outputName = `score (probability of the conditioned ${extractor.labelColumn})`;
      } else {
        const fixedClass = options.class !== undefined ? classIndex(extractor.levels, options.class, extractor.labelColumn) : topClass(extractor.extract(tanhToUint8(generate([x])), 1).logits, 0, k);
        scalar = (images, count) => classProbabilities(extractor.extract(tanhToUint8(images), count).logits, count, k, fixedClass);
        outputName = `score (probability of ${extractor.labelColumn} ${String(extractor.levels[fixedClass])})`;
        details['class'] = extractor.levels[fixedClass]!;
      }
    }
    const game = tabularGame({
      x,
      background,
      predict: (featureRows) => {
        const out = new Float64Array(featureRows.length);
        for (let start = 0; start < featureRows.length; start += BATCH) {
          const part = featureRows.slice(start, start + BATCH);
          out.set(scalar(generate(part), part.length, part), start);
        }
        return out;
      },
      batchRows: 20_000,
    });
    const extractor = fx;
    return {
      target,
      output: outputName,
      features: names,
      game,
      backgroundRows: drawn.length,
      details,
      dispose: () => {
        gan.dispose();
        extractor?.dispose();
      },
    };
  } catch (e) {
    gan.dispose();
    fx?.dispose();
    throw e;
  }
}

/** The noise `generateImages` gives a seed: manualSeed(seed); randn([1, noiseDim]), the generator's state restored. */
function noiseVector(noiseDim: number, seed: number): Float32Array {
  const state = torch.getRngState();
  try {
    torch.manualSeed(seed);
    return torch.tidy(() => torch.randn([1, noiseDim]).toArray() as Float32Array);
  } finally {
    torch.setRngState(state);
    state.dispose();
  }
}

/** Images (N × C × S × S in [−1, 1], float32) for condition rows, all with the same noise. */
function generateWithNoise(gan: Gan, noise: Float32Array, rows: readonly Record<string, unknown>[], device: string): Float32Array {
  const { channels, size, noiseDim, conditions } = gan.architecture;
  const plane = channels * size * size;
  const out = new Float32Array(rows.length * plane);
  torch.noGrad(() => {
    for (let start = 0; start < rows.length; start += BATCH) {
      const n = Math.min(BATCH, rows.length - start);
      torch.tidy(() => {
        const z = torch.tensor(noise, { shape: [1, noiseDim] }).repeat(n, 1).to(device);
        const cond = encode(conditions, rows.slice(start, start + n), device);
        out.set(gan.generate(z, cond).float().cpu().toArray() as Float32Array, start * plane);
      });
    }
  });
  return out;
}

/** D's probability "real" (sigmoid of its logit) for uint8 images, with fixed conditions for a cdcgan. */
function discriminatorProbabilities(gan: Gan, pixels: Uint8Array, count: number, conditions: Record<string, Cell> | undefined, device: string): Float64Array {
  const { channels, size } = gan.architecture;
  const plane = channels * size * size;
  const out = new Float64Array(count);
  torch.noGrad(() => {
    for (let start = 0; start < count; start += BATCH) {
      const n = Math.min(BATCH, count - start);
      torch.tidy(() => {
        const images = torch.tensor(pixels.subarray(start * plane, (start + n) * plane), { shape: [n, channels, size, size], dtype: 'uint8', device }).float().div_(127.5).sub_(1);
        const cond = conditions === undefined ? undefined : encode(gan.architecture.conditions, Array.from({ length: n }, () => conditions), device);
        const p = gan.discriminate(images, cond).sigmoid().float().cpu().toArray() as Float32Array;
        out.set(p, start);
      });
    }
  });
  return out;
}

