/**
 * Batch normalisation with statistics over every worker's samples (PyTorch's nn.SyncBatchNorm), so
 * W data-parallel workers at batch b normalise as one process at batch b·W does.
 *
 * Training in a world of more than one rank (the default process group, or `processGroup`):
 * 1. mean: each channel's sum and the sample count all-reduced (one collective; counts may differ
 *    between ranks), mean = Σx / n over the global batch;
 * 2. variance: the all-reduced sum of squared deviations from that mean, over n (two passes:
 *    in float32 E[x²] − mean² loses the variance to cancellation when |mean| ≫ σ);
 * 3. y = (x − mean) / √(var + eps) · weight + bias, with autograd ops throughout.
 * The statistics go through the differentiable all-reduce (distributed/differentiable.ts), whose
 * backward sums each rank's gradient of them: rank r's input gradient is then ∂(Σ_r' L_r')/∂x_r,
 * the gradient of the sum of every rank's loss, because x_r reaches the other ranks' losses only
 * through the statistics. Each rank's weight and bias gradients are ∂L_r/∂w (they are not
 * all-reduced here); DDP (distributed-run.ts) then averages every parameter's gradient over the W
 * ranks: (1/W) Σ_r ∂(Σ_r' L_r')/∂θ = ∂L/∂θ with L = (1/W) Σ_r L_r, the mean loss over the global
 * batch when each L_r is the mean over rank r's equal share: one process's loss at batch b·W.
 * Running statistics are updated as PyTorch does, with the unbiased variance of the global count:
 * running_var ← (1 − m)·running_var + m·var·n/(n − 1).
 *
 * A world of one rank (no process group), and evaluation, take exactly BatchNorm's path. Inputs in
 * float16 or bfloat16 (autocast) are normalised in float32 and returned in their own dtype.
 *
 * ```ts
 * const model = nn.SyncBatchNorm.convertSyncBatchnorm(new nn.Sequential(new nn.Conv2d(1, 8, 3), new nn.BatchNorm2d(8)));
 * ```
 */
import type { Tensor } from '../tensor.js';
import { cat, full } from '../factories.js';
import { noGrad } from '../autograd.js';
import { TorchError, check } from '../errors.js';
import { groupOr, isInitialized } from '../distributed/default-group.js';
import type { ProcessGroup } from '../distributed/process-group.js';
import { BatchNorm, BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batch-norm.js';
import { Module } from './module.js';

export interface SyncBatchNormOptions extends BatchNormOptions {
  /** The group whose ranks share statistics (default: the default process group, when there is one). */
  processGroup?: ProcessGroup;
}

export class SyncBatchNorm extends BatchNorm {
  /** Any N×C×… input (as PyTorch's SyncBatchNorm: 2-d to 5-d). */
  protected override readonly ranks = [2, 3, 4, 5] as const;
  readonly processGroup: ProcessGroup | undefined;

  constructor(numFeatures: number, options: SyncBatchNormOptions = {}, adopt?: BatchNorm) {
    super(numFeatures, options, adopt);
    this.processGroup = options.processGroup;
  }

  /**
   * `module` with every BatchNorm1d and BatchNorm2d in its tree replaced by a SyncBatchNorm that
   * takes over its tensors (weights, running statistics, counter: the same objects) and mode, under
   * the same names: state-dict keys and values are unchanged, so checkpoints load in plain
   * BatchNorm and back, and optimisers built before keep working. A BatchNorm passed itself comes
   * back converted; any other module is converted in place and returned (PyTorch's
   * `convert_sync_batchnorm`).
   */
  static convertSyncBatchnorm<M extends Module>(module: M, processGroup?: ProcessGroup): M | SyncBatchNorm {
    check(module instanceof Module, () => 'convertSyncBatchnorm: expected an nn.Module');
    const converted = (m: Module): SyncBatchNorm | undefined =>
      m instanceof BatchNorm1d || m instanceof BatchNorm2d ? new SyncBatchNorm(m.numFeatures, processGroup === undefined ? {} : { processGroup }, m) : undefined;
    const top = converted(module);
    if (top !== undefined) return top;
    for (const [, m] of module.namedModules()) {
      for (const [name, child] of m.namedChildren()) {
        const replacement = converted(child);
        if (replacement !== undefined) m.replaceModule(name, replacement);
      }
    }
    return module;
  }

  /** The group to synchronise over in this call, or undefined for BatchNorm's own path. */
  #group(): ProcessGroup | undefined {
    if (!this.training) return undefined;
    const group = this.processGroup ?? (isInitialized() ? groupOr(undefined, 'SyncBatchNorm') : undefined);
    return group !== undefined && group.size > 1 ? group : undefined;
  }

  override forward(x: Tensor): Tensor {
    const group = this.#group();
    if (group === undefined) return super.forward(x);
    this.checkInput(x);
    const factor = this.trackBatch();
    const channels = this.numFeatures;
    const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const shape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const reduced = x.dtype === 'float16' || x.dtype === 'bfloat16';
    const xf = reduced ? x.float() : x;
    const allReduce = (t: Tensor): Tensor => group.allReduceAutograd(t, 'sum');
    // Pass 1: every rank's per-channel sums and sample count in one collective (a count below 2^24
    // is exact in float32).
    const local = x.numel() / channels;
    const sumsAndCount = allReduce(cat([xf.sum(dims), full([1], local, { dtype: xf.dtype, device: xf.device })]));
    const n = sumsAndCount.narrow(0, channels, 1);
    const mean = sumsAndCount.narrow(0, 0, channels).div(n);
    // Pass 2: squared deviations from the global mean.
    const centred = xf.sub(mean.view(...shape));
    const variance = allReduce(centred.square().sum(dims)).div(n);
    const count = n.item() as number;
    if (count < 2) throw new TorchError(`SyncBatchNorm: expected more than 1 value per channel over the ${group.size} ranks in training, got ${count} (input shape [${x.shape.join(', ')}] on this rank)`, 'E_SHAPE');
    let y = centred.mul(variance.add(this.eps).rsqrt().view(...shape));
    if (this.weight !== undefined && this.bias !== undefined) y = y.mul(this.weight.view(...shape)).add(this.bias.view(...shape));
    const { runningMean, runningVar } = this;
    if (runningMean !== undefined && runningVar !== undefined) {
      noGrad(() => {
        runningMean.mul_(1 - factor).add_(mean.detach().mul(factor));
        runningVar.mul_(1 - factor).add_(variance.detach().mul((factor * count) / (count - 1)));
      });
    }
    return reduced ? y.to(x.dtype) : y;
  }
}
