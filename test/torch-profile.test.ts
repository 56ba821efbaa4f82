/**
 * torch.profile: counts every native call made inside fn by op, splits wall time into native and
 * JavaScript, restores the addon's functions afterwards (also on a throw) and refuses to nest.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { native } from '../src/torch/native.js';

it('counts calls per op, splits the time and returns fn’s result', () => {
  const { result, profile } = torch.profile(() =>
    torch.tidy(() => {
      const a = torch.ones([8, 8]);
      const b = a.add(1).add(2).add(3);
      return a.matmul(b).sum().item();
    }),
  );
  assert.equal(result, 8 * 8 * 8 * 7);
  const byOp = new Map(profile.ops.map((o) => [o.op, o]));
  assert.equal(byOp.get('add')?.calls, 3);
  assert.equal(byOp.get('matmul')?.calls, 1);
  assert.equal(byOp.get('ones')?.calls, 1);
  assert.equal(profile.calls, profile.ops.reduce((n, o) => n + o.calls, 0));
  assert.ok(profile.nativeMs <= profile.wallMs && profile.javascriptMs >= 0);
  assert.deepEqual(
    profile.ops.map((o) => o.ms),
    [...profile.ops.map((o) => o.ms)].sort((x, y) => y - x),
    'most time first',
  );
});

it('restores the native functions after a throw and does not nest', () => {
  const add = native.add;
  assert.throws(() => torch.profile(() => {
    throw new Error('inside');
  }), /inside/);
  assert.equal(native.add, add);
  assert.throws(() => torch.profile(() => torch.profile(() => 0)), (e: unknown) => e instanceof torch.TorchError && e.code === 'E_ARGUMENT');
  assert.equal(native.add, add, 'the outer profile restored them too');
});
