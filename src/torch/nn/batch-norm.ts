/** Batch normalisation over channels (PyTorch's nn.BatchNorm1d and nn.BatchNorm2d). */
import type { Tensor } from '../tensor.js';
import { ones, zeros, tensor } from '../factories.js';
import { batchNorm } from '../functional.js';
import { noGrad } from '../autograd.js';
import { TorchError, check } from '../errors.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  /**
   * Weight of the new batch in the running statistics (default 0.1); `null` keeps a cumulative
   * average over the `num_batches_tracked` batches seen, as PyTorch's `momentum=None`.
   */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them evaluation uses batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * The shared implementation. Training normalises by the batch's statistics, updates
 * `running_mean`/`running_var` in place and counts `num_batches_tracked` (an int64 scalar);
 * evaluation uses the running statistics. State-dict keys: weight, bias, running_mean,
 * running_var, num_batches_tracked.
 */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly weight: Tensor | undefined;
  readonly bias: Tensor | undefined;
  readonly runningMean: Tensor | undefined;
  readonly runningVar: Tensor | undefined;
  readonly numBatchesTracked: Tensor | undefined;
  /** The input ranks this layer accepts. */
  protected abstract readonly ranks: readonly number[];

  /**
   * `adopt` (for `SyncBatchNorm.convertSyncBatchnorm`): a layer whose tensors this one takes over,
   * the same tensor objects, so optimisers holding its parameters keep working; its options
   * (eps, momentum, affine, trackRunningStats) win over `options`.
   */
  constructor(numFeatures: number, options: BatchNormOptions = {}, adopt?: BatchNorm) {
    super();
    const name = new.target.name;
    if (adopt !== undefined) {
      check(adopt instanceof BatchNorm, () => `${name}: can only take over the tensors of a BatchNorm layer`);
      numFeatures = adopt.numFeatures;
      options = { eps: adopt.eps, momentum: adopt.momentum, affine: adopt.weight !== undefined, trackRunningStats: adopt.runningMean !== undefined };
    }
    check(Number.isInteger(numFeatures) && numFeatures > 0, () => `${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    const eps = options.eps ?? 1e-5;
    check(eps > 0, () => `${name}: eps must be positive, got ${eps}`);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    check(momentum === null || (momentum >= 0 && momentum <= 1), () => `${name}: momentum must be in [0, 1] or null, got ${momentum}`);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', adopt?.weight ?? ones([numFeatures])) : undefined;
    this.bias = affine ? this.registerParameter('bias', adopt?.bias ?? zeros([numFeatures])) : undefined;
    const track = options.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('running_mean', adopt?.runningMean ?? zeros([numFeatures])) : undefined;
    this.runningVar = track ? this.registerBuffer('running_var', adopt?.runningVar ?? ones([numFeatures])) : undefined;
    this.numBatchesTracked = track ? this.registerBuffer('num_batches_tracked', adopt?.numBatchesTracked ?? tensor(0n, { dtype: 'int64' })) : undefined;
    if (adopt !== undefined) this.train(adopt.training);
  }

  /** Throws E_SHAPE unless `x` has one of this layer's ranks and numFeatures channels. */
  protected checkInput(x: Tensor): void {
    const shape = x.shape;
    if (!this.ranks.includes(shape.length)) {
      throw new TorchError(
        `${this.constructor.name} expects a ${this.ranks.join('-d or ')}-d input, got shape [${shape.join(', ')}]`,
        'E_SHAPE',
      );
    }
    if (shape[1] !== this.numFeatures) {
      throw new TorchError(`${this.constructor.name}(${this.numFeatures}) got ${shape[1]} channels (shape [${shape.join(', ')}])`, 'E_SHAPE');
    }
  }

  /**
   * In training, counts the batch in `num_batches_tracked`; returns the weight of the new batch in
   * the running statistics (momentum, or 1/count for the cumulative average of momentum null).
   */
  protected trackBatch(): number {
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked !== undefined) {
      const counter = this.numBatchesTracked;
      // An int64 counter: fill_ with the next integer (add_ of a JavaScript number would be a float).
      const count = counter.item() + 1;
      noGrad(() => counter.fill_(count));
      if (this.momentum === null) factor = 1 / count;
    }
    return factor;
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    const factor = this.trackBatch();
    // Batch statistics in training, and in evaluation when there are no running ones.
    const useBatch = this.training || this.runningMean === undefined;
    return batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatch,
      momentum: factor,
      eps: this.eps,
    });
  }
}

/** Over the C of N×C or N×C×L inputs. */
export class BatchNorm1d extends BatchNorm {
  protected override readonly ranks = [2, 3] as const;
}

/** Over the C of N×C×H×W inputs. */
export class BatchNorm2d extends BatchNorm {
  protected override readonly ranks = [4] as const;
}
