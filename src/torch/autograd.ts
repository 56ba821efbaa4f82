/** Grad mode (per thread, as in libtorch) and gradients of arbitrary outputs. */
import { native } from './native.js';
import type { Tensor } from './tensor.js';

/**
 * Runs `fn` with gradient tracking off: nothing computed inside records a graph. Restores the
 * previous mode afterwards, also when `fn` throws.
 */
export function noGrad<T>(fn: () => T): T {
  const previous: boolean = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Runs `fn` with gradient tracking on (inside a `noGrad`, say). */
export function enableGrad<T>(fn: () => T): T {
  const previous: boolean = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

export function setGradEnabled(on: boolean): boolean {
  return native.setGradEnabled(on);
}

export interface GradOptions {
  gradOutputs?: Tensor[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** d(outputs)/d(inputs) without touching `.grad` (PyTorch's torch.autograd.grad). */
export function grad(outputs: Tensor[], inputs: Tensor[], options: GradOptions = {}): (Tensor | undefined)[] {
  return native.autogradGrad(outputs, inputs, options.gradOutputs, options.retainGraph, options.createGraph ?? false, options.allowUnused ?? false);
}
