/**
 * Checkpoints: module and optimiser state saved as safetensors and loaded back bit for bit,
 * training resumed on the same trajectory, bad checkpoints refused with E_STATE_DICT, and files
 * exchanged with PyTorch in both directions (when .venv/bin/python is there).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertClose } from './helpers/assert-close.js';
import * as torch from '../src/torch/index.js';

const { nn, optim } = torch;
type Tensor = torch.Tensor;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = path.join(ROOT, '.venv/bin/python');

let dir: string;
let startTensors = 0;
before(() => {
  startTensors = torch.memory().tensors;
  dir = mkdtempSync(path.join(tmpdir(), 'dsi-checkpoint-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor made by this file is freed');
});

/** Conv2d → BatchNorm2d → LeakyReLU → Flatten → Linear; PYTHON_MODEL below is the same network. */
function makeModel(): torch.nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.LeakyReLU(0.2), new nn.Flatten(), new nn.Linear(4 * 5 * 5, 3));
}

const PYTHON_MODEL = `
import torch.nn as nn
def make_model():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(4 * 5 * 5, 3))
`;

/** One training step on loss = mean(out²). */
function trainStep(model: torch.nn.Module, opt: torch.optim.Optimizer, x: Tensor): void {
  torch.tidy(() => {
    opt.zeroGrad();
    model.forward(x).square().mean().backward();
    opt.step();
  });
}

function assertSameState(a: torch.nn.Module, b: torch.nn.Module): void {
  torch.tidy(() => {
    const sb = b.stateDict();
    for (const [k, t] of a.stateDict()) {
      const u = sb.get(k) as Tensor;
      assert.equal(u.dtype, t.dtype, `${k}: dtype`);
      assert.deepEqual(u.toArray(), t.toArray(), `${k}: values`);
    }
  });
}


describe('checkpoints: round trips', () => {
  it('a module saved and loaded into a differently seeded one is identical bit for bit, num_batches_tracked as I64', () => {
    torch.manualSeed(0);
    const model = makeModel();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = torch.randn([6, 2, 5, 5]);
    trainStep(model, opt, x);
    const file = path.join(dir, 'model.safetensors');
    model.save(file);
    const { tensors } = torch.loadSafetensors(file);
    assert.equal(tensors.get('1.num_batches_tracked')?.dtype, 'int64');
    assert.deepEqual(tensors.get('1.num_batches_tracked')?.shape, []);
    assert.equal(tensors.get('1.num_batches_tracked')?.item(), 1);
    for (const t of tensors.values()) t.dispose();
    torch.manualSeed(99);
    const copy = makeModel();
    copy.load(file);
    assertSameState(model, copy);
    for (const m of [model, copy]) m.dispose();
    opt.dispose();
    x.dispose();
  });

  for (const kind of ['Adam', 'SGD'] as const) {
    it(`${kind}: training resumed from a checkpoint continues exactly the uninterrupted trajectory`, () => {
      const makeOpt = (m: torch.nn.Module): torch.optim.Optimizer =>
        kind === 'Adam' ? new optim.Adam(m.parameters(), { lr: 0.01, amsgrad: true, weightDecay: 0.01 }) : new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });
      torch.manualSeed(1);
      const x = torch.randn([6, 2, 5, 5]);
      const model = makeModel();
      const opt = makeOpt(model);
      for (let i = 0; i < 3; i++) trainStep(model, opt, x);
      const modelFile = path.join(dir, `resume-${kind}-model.safetensors`);
      const optFile = path.join(dir, `resume-${kind}-opt.safetensors`);
      model.save(modelFile);
      opt.save(optFile);
      for (let i = 0; i < 4; i++) trainStep(model, opt, x);

      torch.manualSeed(2);
      const resumed = makeModel();
      const resumedOpt = makeOpt(resumed);
      resumed.load(modelFile);
      resumedOpt.load(optFile);
      for (let i = 0; i < 4; i++) trainStep(resumed, resumedOpt, x);
      assertSameState(model, resumed);
      torch.tidy(() => {
        const a = opt.stateDict();
        const b = resumedOpt.stateDict();
        assert.deepEqual(b.paramGroups, a.paramGroups);
        for (const [i, record] of a.state) {
          for (const [name, v] of Object.entries(record)) {
            const w = b.state.get(i)?.[name];
            if (typeof v === 'number') assert.equal(w, v, `state.${i}.${name}`);
            else assert.deepEqual((w as Tensor).toArray(), v.toArray(), `state.${i}.${name}`);
          }
        }
      });
      for (const m of [model, resumed]) m.dispose();
      for (const o of [opt, resumedOpt]) o.dispose();
      x.dispose();
    });
  }

  it('the optimiser file holds state.<i>.<name> tensors, step as a float32 scalar, and param_groups JSON', () => {
    const lin = new nn.Linear(2, 2);
    const opt = new optim.Adam(lin.parameters(), { lr: 0.02 });
    torch.tidy(() => {
      lin.forward(torch.ones([1, 2])).sum().backward();
      opt.step();
    });
    const file = path.join(dir, 'adam.safetensors');
    opt.save(file);
    const { tensors, metadata } = torch.loadSafetensors(file);
    assert.deepEqual([...tensors.keys()].sort(), ['state.0.exp_avg', 'state.0.exp_avg_sq', 'state.0.step', 'state.1.exp_avg', 'state.1.exp_avg_sq', 'state.1.step']);
    const step = tensors.get('state.0.step') as Tensor;
    assert.equal(step.dtype, 'float32');
    assert.deepEqual(step.shape, []);
    assert.equal(step.item(), 1);
    assert.equal(metadata['optimizer'], 'Adam');
    const groups = JSON.parse(metadata['param_groups'] as string) as { lr: number; params: number[] }[];
    assert.equal(groups[0]?.lr, 0.02);
    assert.deepEqual(groups[0]?.params, [0, 1]);
    for (const t of tensors.values()) t.dispose();
    opt.dispose();
    lin.dispose();
  });
});

describe('checkpoints: refused when they do not fit', () => {
  it('missing, unexpected and wrong-shape keys give E_STATE_DICT naming each key; non-strict loading tolerates the first two', () => {
    const small = new nn.Sequential(new nn.Linear(3, 2));
    const other = new nn.Sequential(new nn.Linear(3, 3), new nn.BatchNorm1d(3));
    const wider = new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU());
    const extra = new nn.Sequential(new nn.Linear(3, 2), new nn.Linear(2, 2));
    try {
      const file = path.join(dir, 'small.safetensors');
      small.save(file);
      assert.throws(
        () => other.load(file),
        (e: torch.TorchError) =>
          e.code === 'E_STATE_DICT' &&
          /missing keys: '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked'/.test(e.message) &&
          /'0.weight' has shape \[2, 3\] but the module's is \[3, 3\]/.test(e.message) &&
          /'0.bias' has shape \[2\]/.test(e.message),
      );
      extra.save(file);
      assert.throws(() => wider.load(file), (e: torch.TorchError) => e.code === 'E_STATE_DICT' && /unexpected keys: '1\.(bias|weight)', '1\.(bias|weight)'/.test(e.message));
      wider.load(file, { strict: false });
      torch.tidy(() => assert.deepEqual(wider.stateDict().get('0.weight')?.toArray(), extra.stateDict().get('0.weight')?.toArray()));
    } finally {
      for (const m of [small, other, wider, extra]) m.dispose();
    }
  });

  it('an optimiser checkpoint for another optimiser or another parameter list gives E_STATE_DICT', () => {
    const lin = new nn.Linear(2, 2);
    const adam = new optim.Adam(lin.parameters());
    const sgd = new optim.SGD(lin.parameters(), { lr: 0.1 });
    const fewer = new optim.Adam([lin.weight]);
    const spare = torch.keep(torch.zeros([5], { requiresGrad: true }));
    try {
      const file = path.join(dir, 'opt.safetensors');
      adam.save(file);
      assert.throws(() => sgd.load(file), (e: torch.TorchError) => e.code === 'E_STATE_DICT' && /holds the state of Adam, not SGD/.test(e.message));
      assert.throws(() => fewer.load(file), (e: torch.TorchError) => e.code === 'E_STATE_DICT' && /lists 2 parameters; this optimiser has 1/.test(e.message));
      torch.tidy(() => {
        lin.forward(torch.ones([1, 2])).sum().backward();
        adam.step();
        const sd = adam.stateDict();
        const bigger = new optim.Adam([spare, lin.bias as Tensor]);
        assert.throws(() => bigger.loadStateDict(sd), (e: torch.TorchError) => e.code === 'E_STATE_DICT' && /state\.0: 'exp_avg' has shape \[2, 2\] but the parameter's is \[5\]/.test(e.message));
      });
    } finally {
      for (const o of [adam, sgd, fewer]) o.dispose();
      lin.dispose();
      spare.dispose();
    }
  });
});

describe('checkpoints: exchanged with PyTorch', () => {
  const skip = existsSync(PYTHON) ? false : `${PYTHON} is missing (run scripts/setup.sh to create the venv with PyTorch)`;

  it('a checkpoint written here loads into the same PyTorch model and gives the same output; PyTorch\'s loads here, optimiser state included', { skip }, () => {
    torch.manualSeed(4);
    const model = makeModel();
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const x = torch.randn([6, 2, 5, 5]);
    for (let i = 0; i < 2; i++) trainStep(model, opt, x);
    const files = {
      tsModel: path.join(dir, 'ts-model.safetensors'),
      tsOpt: path.join(dir, 'ts-opt.safetensors'),
      input: path.join(dir, 'input.safetensors'),
      pyModel: path.join(dir, 'py-model.safetensors'),
      pyOut: path.join(dir, 'py-out.safetensors'),
    };
    model.save(files.tsModel);
    opt.save(files.tsOpt);
    torch.saveSafetensors(files.input, { x });
    const script = `${PYTHON_MODEL}
import json, sys, torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
f = json.loads(sys.argv[1])
x = load_file(f["input"])["x"]
out = {}

# The checkpoint written in TypeScript, into the same model written in PyTorch.
model = make_model()
model.load_state_dict(load_file(f["tsModel"]))
model.eval()
with torch.no_grad():
    out["eval_from_ts"] = model(x)

# Its optimiser state: state.<i>.<name> tensors and param_groups JSON, into torch.optim.Adam.
opt = torch.optim.Adam(model.parameters())
flat = load_file(f["tsOpt"])
with safe_open(f["tsOpt"], "pt") as fh:
    groups = json.loads(fh.metadata()["param_groups"])
state = {}
for key, t in flat.items():
    _, i, name = key.split(".", 2)
    state.setdefault(int(i), {})[name] = t
opt.load_state_dict({"state": state, "param_groups": groups})
model.train()
opt.zero_grad()
(model(x) ** 2).mean().backward()
opt.step()
for k, v in model.state_dict().items():
    out["after_step." + k] = v

# A state dict written by PyTorch, for TypeScript to load.
torch.manual_seed(123)
py = make_model()
py.train()
with torch.no_grad():
    py(x)
py.eval()
save_file(py.state_dict(), f["pyModel"])
with torch.no_grad():
    out["eval_py"] = py(x)
save_file({k: v.contiguous() for k, v in out.items()}, f["pyOut"])
`;
    execFileSync(PYTHON, ['-c', script, JSON.stringify(files)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    const { tensors: py } = torch.loadSafetensors(files.pyOut);
    const get = (k: string): Tensor => py.get(k) as Tensor;

    torch.tidy(() => {
      model.eval();
      assertClose(get('eval_from_ts'), torch.noGrad(() => model.forward(x)), 'PyTorch on our checkpoint vs our output');
      // The same next step here and in PyTorch from the same model and optimiser state.
      model.train();
      trainStep(model, opt, x);
      for (const [k, t] of model.stateDict()) {
        if (t.dtype === 'int64') assert.equal(t.item(), get(`after_step.${k}`).item(), k);
        else assertClose(t, get(`after_step.${k}`), `after one more step: ${k}`);
      }
    });

    torch.manualSeed(5);
    const fromPy = makeModel();
    fromPy.load(files.pyModel);
    fromPy.eval();
    torch.tidy(() => {
      assert.equal(fromPy.stateDict().get('1.num_batches_tracked')?.item(), 1);
      assertClose(torch.noGrad(() => fromPy.forward(x)), get('eval_py'), 'our output on PyTorch\'s checkpoint');
    });
    for (const t of py.values()) t.dispose();
    for (const m of [model, fromPy]) m.dispose();
    opt.dispose();
    x.dispose();
  });
});
