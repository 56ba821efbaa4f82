/**
 * Differentiable collectives: PyTorch's `torch.distributed.nn` (= `torch.distributed.nn.functional`),
 * here `torch.distributed.nn.allReduce`. Unlike `distributed.allReduce`, which works in place on a
 * tensor outside the autograd graph, it returns a new tensor that is a node of the graph.
 *
 * Forward: every rank gets the sum (or mean) of every rank's `tensor`. Backward: the gradients
 * arriving at that result are all-reduced the same way. With y = Σ_r x_r on every rank and each
 * rank r differentiating its own loss L_r, rank r's x_r receives Σ_r' ∂L_r'/∂y: the gradient of
 * the sum of all ranks' losses. That is what synchronised batch norm needs (its statistics are
 * such sums). The backward is this function again, so second derivatives are right too.
 *
 * ```ts
 * const stats = torch.distributed.nn.allReduce(x.sum([0])); // every rank's sums, with a gradient
 * ```
 *
 * Every rank must run the same differentiable collectives in its forward and its backward, in the
 * same order, as for any collective (the same model on every rank does). A failed forward throws
 * E_DISTRIBUTED; a failed backward throws from `backward()`/`grad()` with the same message.
 */
import type { Tensor } from '../tensor.js';
import { groupOr, type GroupOption } from './default-group.js';

export interface DifferentiableAllReduceOptions extends GroupOption {
  /** 'sum' (default) or 'avg': the reductions whose gradient is the same reduction. */
  readonly op?: 'sum' | 'avg';
}

/** The sum (or mean) over the group of every rank's `tensor`, as a new tensor with a gradient (PyTorch's `torch.distributed.nn.all_reduce`). */
export function allReduce(tensor: Tensor, options: DifferentiableAllReduceOptions = {}): Tensor {
  return groupOr(options.group, 'allReduce (differentiable)').allReduceAutograd(tensor, options.op ?? 'sum');
}
