/**
 * Dropout for a data-parallel worker (distributed-run.ts): the mask is drawn for the global batch
 * of b·W rows, exactly as one process at batch b·W draws it (libtorch's dropout on a tensor of
 * ones of the global shape: the same op on the same shape consumes the generator alike and gives
 * the same mask, scaled by 1/(1 − p)), and this worker keeps the rows of its samples
 * (`drawForRank`). Every worker's generator then stays in step with the others' and with one
 * process's, and W workers drop exactly what one process drops.
 *
 * `convertRankDropout` puts it in the place of every nn.Dropout of a network (the same name; a
 * dropout has no state, so state-dict keys are unchanged). A model that calls `F.dropout` in its
 * own `forward` keeps drawing per worker: data-parallel, not exact; give it a layer instead.
 */
import * as torch from '../../torch/index.js';
import { drawForRank, type RunWorld } from './distributed-run.js';

const { F } = torch;

export class RankDropout extends torch.nn.Module {
  readonly p: number;
  readonly world: RunWorld;

  constructor(p: number, world: RunWorld) {
    super();
    this.p = p;
    this.world = world;
  }

  override forward(x: torch.Tensor): torch.Tensor {
    // p 0 and 1 draw nothing in libtorch: the plain op is already the same on every worker.
    if (!this.training || this.p === 0 || this.p === 1 || this.world.worldSize === 1 || x.ndim === 0) return F.dropout(x, this.p, this.training);
    const [rows, ...rest] = x.shape as [number, ...number[]];
    const mask = drawForRank(rows, this.world, (n) => F.dropout(torch.ones([n, ...rest], { dtype: x.dtype, device: x.device }), this.p, true));
    return x.mul(mask);
  }
}

/** Replaces every nn.Dropout in `module`'s tree by a RankDropout of the same p for `world`. */
export function convertRankDropout(module: torch.nn.Module, world: RunWorld): void {
  for (const [, m] of module.namedModules()) {
    for (const [name, child] of m.namedChildren()) {
      if (child instanceof torch.nn.Dropout) m.replaceModule(name, new RankDropout(child.p, world).train(child.training));
    }
  }
}
