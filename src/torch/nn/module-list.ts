/** An indexed container of modules (PyTorch's nn.ModuleList): children '0', '1', …, so their keys are `0.weight`, `1.weight`, …; it computes nothing itself. */
import type { Tensor } from '../tensor.js';
import { TorchError } from '../errors.js';
import { Module } from './module.js';

export class ModuleList extends Module {
  constructor(modules: readonly Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
  }

  override forward(): Tensor {
    throw new TorchError('a ModuleList is a container: call its children', 'E_ARGUMENT');
  }
}
