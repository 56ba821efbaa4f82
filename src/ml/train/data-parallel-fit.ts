/**
 * A fitted model's view of a data-parallel run (the MLP emulator's): its share of each epoch's
 * order, rank 0's weights and averaged gradients through the same functions the epoch trainers
 * use (distributed-run.ts), and a sum over the workers for its reported loss.
 */
import * as torch from '../../torch/index.js';
import { averageGradients, broadcastParameters, distributedShard, type RunWorld } from './distributed-run.js';

/**
 * What a fit trained in steps needs of a data-parallel run's world (`dataParallelFit` makes it):
 * W workers at batch b step as one process at batch b·W.
 */
export interface DataParallelFit {
  readonly rank: number;
  readonly worldSize: number;
  /** This worker's share of an epoch's order (PyTorch's DistributedSampler rule). */
  shard(order: Int32Array): Int32Array;
  /** Rank 0's weights on every worker, and each `step()` on averaged gradients; returns the undo. */
  join(optimizers: readonly torch.optim.Optimizer[]): () => void;
  /** The sum over the workers of `value`. */
  sum(value: number): number;
}

/** The view of `world` (a world of more than one worker, joined by the training session). */
export function dataParallelFit(world: RunWorld): DataParallelFit {
  return {
    rank: world.rank,
    worldSize: world.worldSize,
    shard: (order) => distributedShard(order, world),
    join: (optimizers) => {
      broadcastParameters(optimizers);
      return averageGradients(optimizers);
    },
    sum: (value) =>
      torch.tidy(() => {
        // float64: an epoch's summed loss keeps its digits.
        const t = torch.tensor(new Float64Array([value]), { dtype: 'float64' });
        torch.distributed.allReduce(t, { op: 'sum' });
        return (t.toArray() as Float64Array)[0]!;
      }),
  };
}
