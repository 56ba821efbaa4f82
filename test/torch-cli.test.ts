/** `dsi doctor` and `dsi bench dcgan`: their --json shapes and exit codes. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../src/cli/commands/doctor.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/dsi.js');

function hasCuda(): boolean {
  const r = dsi(['doctor', '--json']);
  return r.status === 0 && (JSON.parse(r.stdout) as { cuda_devices: number }).cuda_devices > 0;
}

function dsi(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dsi doctor', () => {
  it('--json reports libtorch (a real version, where and how found, BLAS), threads, cores, CUDA devices and warnings', () => {
    const r = dsi(['doctor', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['libtorch', 'threads', 'physical_cores', 'cuda_devices', 'node', 'cpu_capability', 'cpu_bf16', 'warnings']) {
      assert.ok(key in report, `missing ${key}`);
    }
    const lib = report['libtorch'] as Record<string, unknown>;
    assert.match(String(lib['version']), /^\d+\.\d+\.\d+/);
    assert.ok(['pip', 'LIBTORCH', 'debian'].includes(String(lib['source'])), `source ${lib['source']}`);
    assert.equal(typeof lib['path'], 'string');
    assert.equal(typeof lib['cuda'], 'boolean');
    assert.equal(typeof lib['blas'], 'string');
    assert.ok(Number.isInteger(report['threads']) && (report['threads'] as number) >= 1);
    assert.ok(Number.isInteger(report['physical_cores']) && (report['physical_cores'] as number) >= 1);
    assert.ok(Number.isInteger(report['cuda_devices']) && (report['cuda_devices'] as number) >= 0);
    assert.equal(report['node'], process.versions.node);
    assert.ok(Array.isArray(report['warnings']));
  });

  it('warns about Debian\'s libtorch, a BLAS that is neither MKL nor OpenBLAS, and more threads than physical cores', () => {
    assert.deepEqual(diagnose({ source: 'pip', blas: 'mkl', threads: 2, physicalCores: 2 }), []);
    assert.deepEqual(diagnose({ source: 'LIBTORCH', blas: 'open', threads: 1, physicalCores: 2 }), []);
    const debian = diagnose({ source: 'debian', blas: 'generic', threads: 4, physicalCores: 2 });
    assert.equal(debian.length, 3, debian.join('\n'));
    assert.match(debian[0]!, /Debian's libtorch-dev.*slower/);
    assert.match(debian[1]!, /'generic'.*neither MKL nor OpenBLAS/);
    assert.match(debian[2]!, /4 intra-op threads on 2 physical cores/);
    assert.deepEqual(diagnose({ source: 'debian', blas: 'OpenBLAS', threads: 2, physicalCores: 2 }).length, 1);
  });

  it('without the addon, exits 1 with one line that says to run scripts/setup.sh', () => {
    const r = dsi(['doctor'], { ...process.env, DSI_TORCH_ADDON: path.join(root, 'no-such-addon.node') });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /bash scripts\/setup\.sh/);
  });
});

describe('the store commands without libtorch', () => {
  it('read, list, find and --version work when the libtorch addon is missing: only ML commands load it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-no-addon-'));
    try {
      const env = { ...process.env, DSI_TORCH_ADDON: path.join(root, 'no-such-addon.node') };
      const db = path.join(dir, 'dsi.db');
      fs.writeFileSync(path.join(dir, 'runs.csv'), 'id,speed\n1,2.5\n2,5\n');
      for (const args of [['--version'], ['--db', db, 'read', path.join(dir, 'runs.csv')], ['--db', db, 'list'], ['--db', db, 'find', 'speed > 3', '--json']]) {
        const r = dsi(args, env);
        assert.equal(r.status, 0, `dsi ${args.join(' ')}: ${r.stderr}`);
      }
      const r = dsi(['--db', db, 'ml', 'runs'], env);
      assert.equal(r.status, 1, 'an ML command needs the addon');
      assert.match(r.stderr, /addon/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dsi bench dcgan', () => {
  it('--json times ours and PyTorch on the same step, interleaved, and reports their ratio', () => {
    const r = dsi(['bench', 'dcgan', '--steps', '2', '--repeats', '2', '--warmup', '1', '--batch', '8', '--threads', '1', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['images_per_second', 'reference_images_per_second', 'ratio']) {
      const v = result[key] as number;
      assert.ok(Number.isFinite(v) && v > 0, `${key} = ${v}`);
    }
    assert.equal(result['ratio'], (result['images_per_second'] as number) / (result['reference_images_per_second'] as number));
    assert.equal(result['batch'], 8);
    assert.equal(result['steps'], 2);
    assert.equal((result['repeat_images_per_second'] as number[]).length, 2);
    assert.equal((result['reference_repeat_images_per_second'] as number[]).length, 2);
    assert.equal(result['threads'], 1);
    assert.equal(result['device'], 'cpu');
    assert.equal(result['precision'], 'fp32');
    assert.match(String(result['libtorch']), /^\d+\.\d+\.\d+/);
    assert.match(String(result['reference_torch']), /^\d+\.\d+\.\d+/);
    // Same seed, same initialisation order, same step: the first losses agree, so both sides
    // timed the same computation.
    const first = result['first_losses'] as { ours: number[]; reference: number[] };
    first.ours.forEach((v, i) => assert.ok(Math.abs(v - first.reference[i]!) < 1e-5, `first loss ${i}: ${v} vs PyTorch's ${first.reference[i]}`));
    assert.ok(Number.isFinite(result['d_loss']) && Number.isFinite(result['g_loss']));
  });

  it('--precision bf16 --no-reference --profile times ours alone under autocast, and one step op by op', () => {
    const r = dsi(['bench', 'dcgan', '--steps', '1', '--repeats', '1', '--warmup', '1', '--batch', '4', '--precision', 'bf16', '--no-reference', '--profile', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(result['precision'], 'bf16');
    assert.equal(result['reference_images_per_second'], null);
    assert.equal(result['ratio'], null);
    assert.ok((result['images_per_second'] as number) > 0);
    // --profile: one step op by op, autograd and both Adam steps among them.
    const profile = result['profile'] as { ops: { op: string; calls: number }[]; calls: number };
    const ops = new Map(profile.ops.map((o) => [o.op, o.calls]));
    assert.equal(ops.get('autogradGrad'), 2);
    assert.equal(ops.get('adamStep'), 2);
    assert.equal(ops.get('convTranspose2d'), 3);
  });

  it('--device cuda without CUDA is one clear line and exit 1', { skip: hasCuda() ? 'CUDA is available here' : false }, () => {
    const r = dsi(['bench', 'dcgan', '--device', 'cuda', '--no-reference']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^dsi: device 'cuda' was asked for but CUDA is not available/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('rejects a batch of 0 with a message naming the option', () => {
    const r = dsi(['bench', 'dcgan', '--batch', '0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--batch/);
  });
});
