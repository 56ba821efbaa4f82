/** Activation layers: stateless modules around the functions of `F`. */
import type { Tensor } from '../tensor.js';
import { check } from '../errors.js';
import { Module } from './module.js';

/** max(0, x). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/**
 * x for x ≥ 0, negativeSlope·x otherwise.
 *
 * ```ts
 * new nn.LeakyReLU(0.3);
 * ```
 */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    check(typeof negativeSlope === 'number' && Number.isFinite(negativeSlope), () => `LeakyReLU: negativeSlope must be a finite number, got ${negativeSlope}`);
  }

  override forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** Softmax along `dim`. */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    check(Number.isInteger(dim), () => `Softmax: dim must be an integer, got ${dim}`);
  }

  override forward(x: Tensor): Tensor {
    return x.softmax(this.dim);
  }
}

/** Log-softmax along `dim`. */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
    check(Number.isInteger(dim), () => `LogSoftmax: dim must be an integer, got ${dim}`);
  }

  override forward(x: Tensor): Tensor {
    return x.logSoftmax(this.dim);
  }
}

/** Returns its input (a new handle on it, so a scope may free either independently). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x.alias();
  }
}
