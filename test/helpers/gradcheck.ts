/**
 * Finite-difference gradient checks: autograd's gradient of a random projection of `fn`'s output,
 * (fn(x) · P).sum(), against central differences in float64, one input element at a time.
 */
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';

export interface GradcheckOptions {
  /** Step of the central difference (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Which inputs to check (default: every floating-point input). */
  wrt?: readonly number[];
}

export interface GradcheckReport {
  /** Elements compared over all checked inputs. */
  checked: number;
  /** The largest |analytic − numeric| seen. */
  maxError: number;
}

/**
 * Asserts that autograd's gradients of `fn` at `inputs` match central differences. Inputs must be
 * float64 (other dtypes are passed through unchanged and not checked). Frees everything it makes;
 * the caller keeps ownership of `inputs`.
 *
 * ```ts
 * gradcheck((x, w) => x.matmul(w), [torch.randn([3, 4], { dtype: 'float64' }), torch.randn([4, 2], { dtype: 'float64' })]);
 * ```
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const wrt = options.wrt ?? inputs.flatMap((x, i) => (torch.isFloatingDtype(x.dtype) ? [i] : []));
  for (const i of wrt) assert.equal(inputs[i]!.dtype, 'float64', `gradcheck: input ${i} must be float64`);

  return torch.tidy(() => {
    // Analytic: d/dx of (fn(x) · P).sum() by autograd.
    const leaves = inputs.map((x, i) => {
      const c = x.detach().clone();
      return wrt.includes(i) ? c.requiresGrad_() : c;
    });
    const out = fn(...leaves);
    assert.ok(out.requiresGrad, 'gradcheck: the output does not depend on the checked inputs');
    const projection = torch.randn(out.shape, { dtype: 'float64' });
    out.mul(projection).sum().backward();

    // Numeric: central differences of the same scalar, without a graph.
    const objective = (xs: Tensor[]): number => torch.tidy(() => fn(...xs).mul(projection).sum().item());
    let checked = 0;
    let maxError = 0;
    torch.noGrad(() => {
      for (const i of wrt) {
        const analytic = leaves[i]!.grad;
        assert.ok(analytic !== undefined, `gradcheck: input ${i} got no gradient`);
        const a = analytic.toArray() as Float64Array;
        const base = inputs[i]!.detach().contiguous().toArray() as Float64Array;
        const shape = inputs[i]!.shape;
        const at = (k: number, delta: number): number => {
          const data = Float64Array.from(base);
          data[k]! += delta;
          const xs = leaves.map((l, j) => (j === i ? torch.tensor(data, { shape, dtype: 'float64' }) : l.detach()));
          return objective(xs);
        };
        for (let k = 0; k < base.length; k++) {
          const numeric = (at(k, eps) - at(k, -eps)) / (2 * eps);
          const err = Math.abs(a[k]! - numeric);
          maxError = Math.max(maxError, err);
          checked++;
          assert.ok(
            err <= atol + rtol * Math.abs(numeric),
            `gradcheck: input ${i} element ${k}: autograd ${a[k]}, finite difference ${numeric} (|error| ${err.toExponential(2)})`,
          );
        }
      }
    });
    return { checked, maxError };
  });
}
