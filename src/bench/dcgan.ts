/**
 * The DCGAN benchmark: our full training step (DESIGN §4) against PyTorch's, same libtorch,
 * threads, batch and precision, timed in the same run. Repeats alternate which side goes first
 * (ours, PyTorch, PyTorch, ours, …) so drift in a shared machine's speed falls on both; each
 * repeat's figure is batch ÷ its median step time, and the result is the median over repeats.
 */
import * as torch from '../torch/index.js';
import { dcganDiscriminator, dcganGenerator } from '../ml/models/index.js';
import { dcganTrainStep, type DcganStepOptions } from '../ml/train/gan-train-step.js';
import { median } from './median.js';
import { PytorchReference } from './pytorch-reference.js';

export type BenchPrecision = 'fp32' | 'bf16' | 'fp16';

export interface DcganBenchOptions {
  batch: number;
  /** Timed steps per repeat. */
  steps: number;
  repeats: number;
  warmup: number;
  precision: BenchPrecision;
  device: 'cpu' | 'cuda';
  /** Intra-op threads for both sides (default: this thread's, i.e. the physical cores). */
  threads?: number;
  seed: number;
  /** Time PyTorch too (default true). */
  reference: boolean;
  /** Also profile one of our steps op by op (torch.profile). */
  profile?: boolean;
}

export interface DcganBenchResult {
  model: 'dcgan';
  images_per_second: number;
  reference_images_per_second: number | null;
  /** images_per_second ÷ reference_images_per_second. */
  ratio: number | null;
  /**
   * The median over repeats of ours ÷ PyTorch within each repeat: each pair ran back to back, so
   * this is the steadier figure where the machine's speed drifts between repeats.
   */
  paired_ratio: number | null;
  batch: number;
  precision: BenchPrecision;
  device: 'cpu' | 'cuda';
  threads: number;
  steps: number;
  repeats: number;
  warmup: number;
  median_step_ms: number;
  /** Each repeat's figure, in run order. */
  repeat_images_per_second: number[];
  reference_repeat_images_per_second: number[] | null;
  libtorch: string;
  reference_torch: string | null;
  /** Both sides' first-step losses [D, G]: equal when both start from the same weights and noise. */
  first_losses: { ours: [number, number]; reference: [number, number] | null };
  d_loss: number;
  g_loss: number;
  /** One of our steps, op by op, with --profile. */
  profile?: torch.Profile;
}

/** The step options each precision needs, on our side. */
export function precisionOptions(precision: BenchPrecision, device: 'cpu' | 'cuda'): { step: DcganStepOptions; scaler?: torch.amp.GradScaler } {
  if (precision === 'fp32') return { step: {} };
  if (precision === 'bf16') return { step: { autocast: { device, dtype: 'bfloat16' } } };
  const scaler = new torch.amp.GradScaler({ device });
  return { step: { autocast: { device, dtype: 'float16' }, scaler }, scaler };
}

/** Our side: the models and optimisers, built in PyTorch's order from the same seed. */
class OursSide {
  readonly gen: torch.nn.Sequential;
  readonly disc: torch.nn.Sequential;
  readonly optG: torch.optim.Adam;
  readonly optD: torch.optim.Adam;
  readonly real: torch.Tensor;
  readonly options: DcganStepOptions;
  readonly #scaler: torch.amp.GradScaler | undefined;
  readonly #device: 'cpu' | 'cuda';

  constructor(o: DcganBenchOptions) {
    this.#device = o.device;
    torch.manualSeed(o.seed);
    this.gen = dcganGenerator().to(o.device);
    this.disc = dcganDiscriminator().to(o.device);
    this.real = torch.keep(torch.tidy(() => torch.rand([o.batch, 1, 28, 28]).mul_(2).sub_(1).to(o.device)));
    // The generator's draws came first, as in the reference, so the weights are the same.
    this.gen.train();
    this.disc.train();
    this.optG = new torch.optim.Adam(this.gen.parameters(), { lr: 1e-4 });
    this.optD = new torch.optim.Adam(this.disc.parameters(), { lr: 1e-4 });
    const p = precisionOptions(o.precision, o.device);
    this.options = p.step;
    this.#scaler = p.scaler;
  }

  step(): { dLoss: number; gLoss: number } {
    const losses = dcganTrainStep(this.gen, this.disc, this.optG, this.optD, this.real, this.options);
    if (this.#device === 'cuda') torch.cuda.synchronize();
    return losses;
  }

  dispose(): void {
    this.#scaler?.dispose();
    this.optG.dispose();
    this.optD.dispose();
    this.gen.dispose();
    this.disc.dispose();
    this.real.dispose();
  }
}

function timeSteps(side: OursSide, steps: number): { seconds: number[]; dLoss: number; gLoss: number } {
  const seconds: number[] = [];
  let losses = { dLoss: Number.NaN, gLoss: Number.NaN };
  for (let i = 0; i < steps; i++) {
    const start = process.hrtime.bigint();
    losses = side.step();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { seconds, ...losses };
}

export async function benchDcgan(o: DcganBenchOptions): Promise<DcganBenchResult> {
  if (o.device === 'cuda' && !torch.cuda.isAvailable()) {
    // deviceArg's message: no GPU, or an addon built without CUDA.
    torch.zeros([1], { device: 'cuda' });
  }
  if (o.threads !== undefined) torch.setNumThreads(o.threads);
  const threads = torch.getNumThreads();
  const ours = new OursSide(o);
  let reference: PytorchReference | undefined;
  try {
    const first = ours.step();
    for (let i = 1; i < o.warmup; i++) ours.step();
    if (o.reference) {
      reference = await PytorchReference.start({ batch: o.batch, precision: o.precision, device: o.device, threads, seed: o.seed, warmup: o.warmup });
    }
    const mine: number[] = [];
    const theirs: number[] = [];
    const stepSeconds: number[] = [];
    let last = { dLoss: first.dLoss, gLoss: first.gLoss };
    for (let r = 0; r < o.repeats; r++) {
      const oursFirst = r % 2 === 0;
      if (!oursFirst && reference) theirs.push(o.batch / median((await reference.run(o.steps)).seconds));
      const t = timeSteps(ours, o.steps);
      stepSeconds.push(...t.seconds);
      mine.push(o.batch / median(t.seconds));
      last = t;
      if (oursFirst && reference) theirs.push(o.batch / median((await reference.run(o.steps)).seconds));
    }
    const profiled = o.profile ? torch.profile(() => ours.step()).profile : undefined;
    const ips = median(mine);
    const refIps = reference ? median(theirs) : null;
    return {
      model: 'dcgan',
      images_per_second: ips,
      reference_images_per_second: refIps,
      ratio: refIps === null ? null : ips / refIps,
      paired_ratio: reference ? median(mine.map((m, i) => m / (theirs[i] as number))) : null,
      batch: o.batch,
      precision: o.precision,
      device: o.device,
      threads,
      steps: o.steps,
      repeats: o.repeats,
      warmup: o.warmup,
      median_step_ms: median(stepSeconds) * 1000,
      repeat_images_per_second: mine,
      reference_repeat_images_per_second: reference ? theirs : null,
      libtorch: torch.buildInfo().version,
      reference_torch: reference?.torchVersion ?? null,
      first_losses: { ours: [first.dLoss, first.gLoss], reference: reference?.firstLosses ?? null },
      d_loss: last.dLoss,
      g_loss: last.gLoss,
      ...(profiled ? { profile: profiled } : {}),
    };
  } finally {
    ours.dispose();
    await reference?.close();
  }
}
