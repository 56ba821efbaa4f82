/**
 * Ownership of native tensors: scopes free what they made, disposal is explicit and idempotent,
 * views share storage, autograd survives disposed handles, and a long training loop holds its
 * tensor count, its bytes and its process memory flat.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { F, TorchError, type Tensor } from '../src/torch/index.js';
import { tolerance } from './helpers/tolerance.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const live = (): number => torch.memory().tensors;
const nums = (t: Tensor): number[] => Array.from(t.toArray() as ArrayLike<number | bigint>, Number);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const isCode = (code: string) => (e: unknown): boolean => e instanceof TorchError && e.code === code;

/**
 * y = sin(3x) on 64 points, fitted by a 1-32-32-1 tanh MLP with plain SGD (lr 0.05) written with
 * noGrad + sub_, seeded with manualSeed(0) so the losses can be compared with PyTorch's
 * (test/fixtures/torch/sine-mlp.safetensors, from scripts/torch-fixtures/sine_mlp.py).
 */
function sineMlp(): { step: () => number; dispose: () => void } {
  torch.manualSeed(0);
  const x = torch.keep(torch.tidy(() => torch.linspace(-1, 1, 64).reshape(64, 1)));
  const y = torch.keep(torch.tidy(() => x.mul(3).sin()));
  const shapes = [[32, 1], [32], [32, 32], [32], [1, 32], [1]];
  const params = shapes.map((shape) => torch.keep(torch.tidy(() => torch.randn(shape).mul(0.3)).requiresGrad_()));
  const [w1, b1, w2, b2, w3, b3] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const step = (): number =>
    torch.tidy(() => {
      const h1 = F.tanh(F.linear(x, w1, b1));
      const h2 = F.tanh(F.linear(h1, w2, b2));
      const loss = F.mseLoss(F.linear(h2, w3, b3), y);
      loss.backward();
      torch.noGrad(() => {
        for (const p of params) {
          p.sub_(p.grad!, 0.05);
          p.grad = undefined;
        }
      });
      return loss.item();
    });
  return { step, dispose: () => [x, y, ...params].forEach((t) => t.dispose()) };
}

describe('torch memory and tensor lifetimes', () => {
  it('2,000 steps that never yield to the event loop keep RSS bounded', async () => {
    // First in the file, so that no earlier test has left freed pages in the allocator. The
    // tensor handles' finalisers run inside the collection (the addon's basic finalisers), not on
    // the event loop, so a loop that never yields frees the wrappers as it goes.
    const net = sineMlp();
    for (let i = 0; i < 200; i++) net.step();
    await turn();
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 2000; i++) net.step();
    const growth = (process.memoryUsage().rss - rss) / 2 ** 20;
    net.dispose();
    await turn();
    assert.ok(growth < 50, `RSS grew ${growth.toFixed(1)} MB over 2,000 steps without yielding`);
  });

  it('2,000 scoped SGD steps of an MLP keep tensors, bytes and RSS flat, and the loss falls as in PyTorch', async () => {
    const net = sineMlp();
    const losses = [net.step()];
    for (let i = 0; i < 200; i++) losses.push(net.step()); // warm-up: allocator caches, lazily built kernels
    await turn();
    global.gc?.();
    const tensors = live();
    const bytes = torch.memory().bytes;
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 2000; i++) {
      losses.push(net.step());
      // Node-API runs the wrappers' finalisers on the event loop, so a training loop yields now and then.
      if (i % 100 === 99) await turn();
      if (i % 500 === 0) {
        assert.equal(live(), tensors, `live tensors after step ${i}`);
        assert.equal(torch.memory().bytes, bytes, `bytes after step ${i}`);
      }
    }
    await turn();
    global.gc?.();
    assert.equal(live(), tensors);
    assert.equal(torch.memory().bytes, bytes);
    const growth = (process.memoryUsage().rss - rss) / 2 ** 20;
    assert.ok(growth < 50, `RSS grew ${growth.toFixed(1)} MB over 2,000 steps`);
    net.dispose();
    // PyTorch's losses for the same seed and steps. Error model (helpers/tolerance.ts): float32
    // sums over the 64 points, the rounding of each step carried into the next; gradient descent
    // at a stable rate does not amplify a perturbation of the weights, so the bound grows
    // linearly with the steps taken.
    const expected = torch.loadSafetensors(path.join(root, 'test/fixtures/torch/sine-mlp.safetensors')).tensors.get('losses')!;
    const reference = Array.from(expected.toArray() as Float64Array);
    expected.dispose();
    assert.equal(losses.length, reference.length, 'as many steps as the fixture');
    for (const step of [0, 1, 10, 100, 200, 1000, 2200]) {
      const { rtol } = tolerance({ steps: step, reduction: 64 });
      const bound = rtol * Math.abs(reference[step]!);
      assert.ok(Math.abs(losses[step]! - reference[step]!) <= bound, `loss at step ${step}: ${losses[step]} vs PyTorch's ${reference[step]} (bound ${bound})`);
    }
    assert.ok(losses[2200]! < losses[0]! / 100, `the loss falls: ${losses[0]} → ${losses[2200]}`);
  });

  it('a disposed tensor throws E_DISPOSED when used, and disposing twice is harmless', () => {
    const before = live();
    const t = torch.ones([3]);
    assert.equal(t.isDisposed, false);
    t.dispose();
    assert.equal(t.isDisposed, true);
    assert.doesNotThrow(() => t.dispose());
    assert.throws(() => t.add(1), isCode('E_DISPOSED'));
    assert.throws(() => t.toArray(), isCode('E_DISPOSED'));
    assert.throws(() => torch.ones([3]).add(t), isCode('E_DISPOSED'));
    assert.equal(live(), before + 1); // the ones([3]) made in the last line, not yet freed
  });

  it('tidy frees what it made, and a nested tidy hands its returned tensors to the parent scope', () => {
    const before = live();
    let inner: Tensor | undefined;
    const outer = torch.tidy(() => {
      const a = torch.ones([2]);
      inner = torch.tidy(() => {
        torch.zeros([100]); // freed when the inner scope ends
        return a.mul(2);
      });
      assert.equal(inner.isDisposed, false, 'returned from the inner scope: alive in the outer one');
      assert.equal(live(), before + 2);
      return { sum: inner.add(a) };
    });
    assert.equal(inner!.isDisposed, true, 'not returned from the outer scope: freed with it');
    assert.deepEqual(nums(outer.sum), [3, 3]);
    assert.equal(live(), before + 1);
    outer.sum.dispose();
    assert.equal(live(), before);
  });

  it('tidy returns tensors found in arrays, plain objects and Maps', () => {
    const before = live();
    const r = torch.tidy(() => ({ list: [torch.ones([1]), torch.ones([1])], map: new Map([['k', torch.ones([1])]]) }));
    assert.equal(live(), before + 3);
    for (const t of [...r.list, ...r.map.values()]) t.dispose();
    assert.equal(live(), before);
  });

  it('keep() exempts a tensor from its scope', () => {
    const before = live();
    let kept: Tensor | undefined;
    torch.tidy(() => {
      kept = torch.keep(torch.ones([2]));
      torch.ones([2]);
    });
    assert.equal(kept!.isDisposed, false);
    assert.equal(live(), before + 1);
    kept!.dispose();
    assert.equal(live(), before);
  });

  it('an error thrown inside tidy still frees the scope\'s tensors and propagates', () => {
    const before = live();
    assert.throws(
      () =>
        torch.tidy(() => {
          torch.ones([10]);
          torch.zeros([10]);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(live(), before);
    assert.equal(torch.scopeDepth(), 0);
  });

  it('a Promise returned from tidy throws a TorchError and frees the scope', () => {
    const before = live();
    // Its code is asserted in torch-errors.test.ts.
    assert.throws(() => torch.tidy(async () => torch.ones([2])), (e) => e instanceof TorchError && /Promise/.test(e.message));
    assert.equal(live(), before);
    assert.equal(torch.scopeDepth(), 0);
  });

  it('views add handles but not bytes: memory() counts each storage once', () => {
    torch.tidy(() => {
      const base = torch.zeros([256]);
      const m0 = torch.memory();
      const views = [base.view(16, 16), base.narrow(0, 0, 10), base.reshape(4, 64), base.alias()];
      const m1 = torch.memory();
      assert.equal(m1.tensors, m0.tensors + views.length);
      assert.equal(m1.bytes, m0.bytes);
      assert.equal(m1.storages, m0.storages);
      base.clone();
      const m2 = torch.memory();
      assert.equal(m2.bytes, m0.bytes + 256 * 4);
      assert.equal(m2.storages, m0.storages + 1);
    });
  });

  it('a view keeps its storage alive after the base handle is disposed', () => {
    const before = torch.memory();
    const base = torch.arange(0, 6, 1, { dtype: 'float32' });
    const v = base.view(2, 3);
    base.dispose();
    const row = v.select(0, 1);
    assert.deepEqual(nums(row), [3, 4, 5]);
    assert.equal(torch.memory().bytes, before.bytes + 6 * 4);
    v.dispose();
    assert.equal(torch.memory().bytes, before.bytes + 6 * 4, 'the row still holds the storage');
    row.dispose();
    assert.equal(torch.memory().bytes, before.bytes);
    assert.equal(torch.memory().tensors, before.tensors);
  });

  it('Symbol.dispose frees a tensor, and `using` frees it at the end of the block', () => {
    const before = live();
    const t = torch.ones([2]);
    t[Symbol.dispose]();
    assert.equal(t.isDisposed, true);
    let u: Tensor | undefined;
    {
      using scoped = torch.ones([2]);
      u = scoped;
      assert.equal(live(), before + 1);
    }
    assert.equal(u.isDisposed, true);
    assert.equal(live(), before);
  });

  it('gradients outlive the scope that computed them', () => {
    const w = torch.keep(torch.tensor([1, 2, 3]).requiresGrad_());
    torch.tidy(() => w.mul(w).sum().backward());
    const g = w.grad!;
    assert.deepEqual(nums(g), [2, 4, 6]);
    g.dispose();
    w.dispose();
  });

  it('backward works after an intermediate handle has been disposed (the graph owns its tensors)', () => {
    torch.tidy(() => {
      const x = torch.tensor([1, 2, 3], { requiresGrad: true });
      const h = x.exp();
      const out = h.mul(x).sum();
      h.dispose();
      out.backward();
      const e = nums(torch.tensor([1, 2, 3]).exp());
      nums(x.grad!).forEach((g, i) => assert.ok(Math.abs(g - e[i]! * (2 + i)) < 1e-4, `d/dx ${g}`));
    });
  });

  it('the garbage collector frees tensors that were never disposed', () => {
    const script = `
      const torch = await import(${JSON.stringify(path.join(root, 'dist/src/torch/index.js'))});
      const before = torch.memory();
      // Held while counted: the collector frees an unreachable tensor as soon as it runs.
      let made = [];
      for (let i = 0; i < 1000; i++) made.push(torch.ones([1000]));
      made = torch.memory();
      for (let i = 0; i < 10 && torch.memory().tensors > before.tensors; i++) {
        global.gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      console.log(JSON.stringify({ before, made, after: torch.memory() }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout) as Record<'before' | 'made' | 'after', torch.MemoryInfo>;
    assert.equal(m.made.tensors, m.before.tensors + 1000);
    assert.equal(m.made.bytes, m.before.bytes + 1000 * 1000 * 4);
    assert.equal(m.after.tensors, m.before.tensors);
    assert.equal(m.after.bytes, m.before.bytes);
  });

  it("V8's external-memory count falls back when tensors are disposed or collected", () => {
    // 40 MB of tensors: 1,000 disposed, then 1,000 left to the collector, whose frees are
    // reported to V8 by the next native call with a full environment (externalMemory here).
    const script = `
      const torch = await import(${JSON.stringify(path.join(root, 'dist/src/torch/index.js'))});
      const { native } = await import(${JSON.stringify(path.join(root, 'dist/src/torch/native.js'))});
      global.gc();
      const base = torch.memory().tensors;
      const before = native.externalMemory();
      let kept = [];
      for (let i = 0; i < 1000; i++) kept.push(torch.ones([10000]));
      const made = native.externalMemory();
      for (const t of kept) t.dispose();
      const disposed = native.externalMemory();
      kept = [];
      for (let i = 0; i < 1000; i++) kept.push(torch.ones([10000]));
      const remade = native.externalMemory();
      kept = undefined;
      for (let i = 0; i < 10 && torch.memory().tensors > base; i++) {
        global.gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      const collected = native.externalMemory();
      console.log(JSON.stringify({ before, made, disposed, remade, collected, tensors: torch.memory().tensors - base }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout) as Record<'before' | 'made' | 'disposed' | 'remade' | 'collected' | 'tensors', number>;
    assert.equal(m.tensors, 0, 'the collector freed every tensor');
    assert.equal(m.made - m.before, 40_000_000, 'each storage is counted once');
    assert.equal(m.disposed, m.before, 'dispose takes back what was counted');
    assert.equal(m.remade - m.before, 40_000_000);
    // The collection also frees some of Node's own external memory (tens of KB): compare with the
    // 40 MB the tensors added, which a finaliser that did not take its bytes back would leave.
    assert.ok(Math.abs(m.collected - m.before) < 2 ** 20, `the finaliser takes back what was counted: ${m.collected - m.before} bytes left`);
  });
});
