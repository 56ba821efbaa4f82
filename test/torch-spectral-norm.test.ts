/**
 * Spectrally normalised layers against PyTorch's torch.nn.utils.spectral_norm
 * (test/fixtures/torch/spectral-norm.safetensors, written by scripts/torch-fixtures/spectral_norm.py):
 * the seeded initialisation (weight, u, v), three training forwards (each one power-iteration
 * step), the gradient through σ, the vectors afterwards, and an evaluation forward; and that the
 * normalised weight's largest singular value converges to 1.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.js';
import { assertClose } from './helpers/assert-close.js';
import { owning } from './helpers/owned.js';
import { maxAbs } from './helpers/tolerance.js';

const { nn } = torch;
type Tensor = torch.Tensor;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/torch/spectral-norm.safetensors');

let fx: Map<string, Tensor>;
let startTensors = 0;
before(() => {
  startTensors = torch.memory().tensors;
  fx = torch.loadSafetensors(FIXTURE).tensors;
});
after(() => {
  for (const t of fx.values()) t.dispose();
  assert.equal(torch.memory().tensors, startTensors, 'every tensor made by this file is freed');
});

function ref(name: string): Tensor {
  const t = fx.get(name);
  if (t === undefined) throw new Error(`fixture has no '${name}'`);
  return t;
}

interface Case {
  make: () => torch.nn.Module;
  /** The longest sum in the computation: the weight's columns (σ and the layer's own product). */
  reduction: number;
}

const CASES: Record<string, Case> = {
  conv: { make: () => new nn.SpectralNormConv2d(2, 3, 3, { stride: 2, padding: 1 }), reduction: 18 },
  linear: { make: () => new nn.SpectralNormLinear(4, 3), reduction: 4 },
  embedding: { make: () => new nn.SpectralNormEmbedding(5, 4), reduction: 5 },
};

describe("nn: spectral normalisation equals PyTorch's spectral_norm", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: seeded init, three training forwards, the gradient through σ, u and v after, an eval forward`, () => {
      owning((own) => {
        torch.manualSeed(0);
        const layer = own(c.make());
        const scale = maxAbs(ref(`${name}.init.weight_orig`).toArray() as Float32Array);
        torch.tidy(() => {
          const state = layer.stateDict();
          assert.deepEqual([...state.keys()].sort(), [...fx.keys()].filter((k) => k.startsWith(`${name}.init.`)).map((k) => k.slice(`${name}.init.`.length)).sort(), 'state-dict keys');
          for (const [k, t] of state) assertClose(t, ref(`${name}.init.${k}`), `${name} init ${k}`, { reduction: c.reduction, scale });
        });
        const x = ref(`${name}.x`);
        let last: Tensor | undefined;
        const weight = layer.parameters().find((p) => p.shape.length === (name === 'conv' ? 4 : 2))!;
        torch.tidy(() => {
          for (let i = 0; i < 3; i++) {
            last = layer.forward(x);
            // Each step carries the previous one's u and v: the error model's steps.
            assertClose(last, ref(`${name}.y${i}`), `${name} forward ${i}`, { reduction: c.reduction, steps: i + 1, scale });
          }
          const [grad] = torch.grad([last!.pow(2).sum()], [weight]);
          assertClose(grad!, ref(`${name}.grad`), `${name} gradient`, { reduction: c.reduction * 4, steps: 4, scale: maxAbs(ref(`${name}.grad`).toArray() as Float32Array) });
          for (const [k, t] of layer.stateDict()) assertClose(t, ref(`${name}.after.${k}`), `${name} after ${k}`, { reduction: c.reduction, steps: 3, scale });
          layer.eval();
          assertClose(layer.forward(x), ref(`${name}.eval`), `${name} eval`, { reduction: c.reduction, steps: 4, scale });
        });
      });
    });
  }

  it("the normalised weight's largest singular value approaches 1 as u and v iterate", () => {
    owning((own) => {
      torch.manualSeed(3);
      const layer = own(new nn.SpectralNormLinear(12, 7));
      torch.tidy(() => {
        const x = torch.eye(12);
        for (let i = 0; i < 60; i++) layer.forward(x);
        layer.eval();
        // With x = I and no bias the output is Wᵀ/σ shifted by the bias: take the bias out.
        const bias = layer.parameters().find((p) => p.shape.length === 1)!;
        const wt = layer.forward(x).sub(bias);
        const { eigenvalues: values } = torch.linalg.eigh(wt.t().matmul(wt));
        const top = Math.sqrt(Math.max(...(values.toArray() as Float32Array)));
        assert.ok(Math.abs(top - 1) < 1e-3, `largest singular value ${top}, expected ≈ 1`);
      });
    });
  });

  it('refuses bad layer arguments as the plain layers do', () => {
    assert.throws(() => new nn.SpectralNormConv2d(0, 3, 3), /inChannels must be a positive integer/);
    assert.throws(() => new nn.SpectralNormLinear(4, 0), /outFeatures must be a positive integer/);
  });
});
