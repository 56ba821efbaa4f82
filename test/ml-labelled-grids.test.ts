/**
 * What a person looks at: `labelledGridPng` scales every image by a whole factor with
 * nearest-neighbour sampling, puts a gap between cells and a label margin (dark text on white)
 * beside labelled rows only; the epoch's sample grid of a conditional GAN has one labelled row per
 * condition value, rows that differ, and at least 4× its images' size, and an unconditional one
 * has no margin; `ml predict` (library and CLI) writes exactly one new contact sheet per call,
 * one labelled row per combination, wrapped and capped at 20 lines of 10.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../src/errors.js';
import { assignmentLabel, labelledGridPng, labelledGridSize } from '../src/images/labelled-grid.js';
import { decodePng as decodePngFile } from '../src/images/png-codec.js';
import { createGan, predictGan, trainGan } from '../src/ml/index.js';
import { gridRowLabels, renderSampleGrid } from '../src/ml/train/sample-grid.js';
import * as torch from '../src/torch/index.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');
const decodePng = (bytes: Uint8Array) => decodePngFile(bytes, '<test>');

/** Grey value of output pixel (x, y) of a decoded one-channel PNG. */
function grey(png: ReturnType<typeof decodePng>, x: number, y: number): number {
  return png.data[(y * png.width + x) * png.channels]!;
}

/** Pixels darker than mid-grey in a rectangle. */
function darkPixels(png: ReturnType<typeof decodePng>, left: number, top: number, width: number, height: number): number {
  let n = 0;
  for (let y = top; y < top + height; y++) for (let x = left; x < left + width; x++) if (grey(png, x, y) < 128) n++;
  return n;
}

/** `count` 28 × 28 grey images, image i a distinct pattern. */
function patterns(count: number): Uint8Array {
  const out = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) for (let p = 0; p < 784; p++) out[i * 784 + p] = (p * (i + 3) + i * 17) % 256;
  return out;
}

let startTensors = 0;
before(() => {
  startTensors = torch.memory().tensors;
});
after(() => {
  assert.equal(torch.memory().tensors, startTensors, 'every tensor is freed');
});

describe('labelledGridPng draws scaled images with labels beside their rows', () => {
  it('every image pixel becomes a scale × scale block in its cell, and the margin holds dark text on white', async () => {
    const pixels = patterns(3);
    const shape = { count: 3, channels: 1, height: 28, width: 28 } as const;
    const options = { columns: 2, scale: 4, gap: 2, rows: [{ label: 'label = 3', count: 2 }, { label: 'label = 7', count: 1 }] };
    const png = decodePng(await labelledGridPng(pixels, shape, options));
    const layout = labelledGridSize(shape, options);
    assert.ok(layout.margin > 0, 'a labelled grid has a margin');
    assert.deepEqual([png.width, png.height, png.channels], [layout.margin + 2 * 112 + 2, 2 * 112 + 2, 1]);
    assert.deepEqual(layout.cells, [
      { top: 0, left: layout.margin },
      { top: 0, left: layout.margin + 114 },
      { top: 114, left: layout.margin },
    ]);
    for (let n = 0; n < 3; n++) {
      const { top, left }: { top: number; left: number } = layout.cells[n]!;
      for (const [x, y] of [[0, 0], [27, 27], [5, 19], [13, 2]]) {
        for (const [dx, dy] of [[0, 0], [3, 3], [1, 2]]) {
          assert.equal(grey(png, left + x! * 4 + dx!, top + y! * 4 + dy!), pixels[n * 784 + y! * 28 + x!], `image ${n} pixel (${x}, ${y})`);
        }
      }
    }
    assert.equal(grey(png, layout.margin + 112, 5), 255, 'the gap between cells is white');
    assert.equal(grey(png, png.width - 1, png.height - 1), 255, 'an empty cell is white');
    for (const label of layout.labels) {
      assert.ok(darkPixels(png, 0, label.top, layout.margin, 112) > 50, `the label at ${label.top} is drawn`);
    }
    assert.equal(grey(png, 0, 0), 255, 'the margin is white around the text');
  });

  it('without labels there is no margin; RGB images stay RGB; a wrapped row is labelled on its first line only', async () => {
    const plain = decodePng(await labelledGridPng(patterns(4), { count: 4, channels: 1, height: 28, width: 28 }, { columns: 4 }));
    assert.deepEqual([plain.width, plain.height], [4 * 112 + 3 * 2, 112], 'default scale 4, gap 2');
    const rgb = decodePng(await labelledGridPng(new Uint8Array(2 * 3 * 4).fill(9), { count: 2, channels: 3, height: 2, width: 2 }, { columns: 2, scale: 5, gap: 1 }));
    assert.deepEqual([rgb.width, rgb.height, rgb.channels], [21, 10, 3]);
    const shape = { count: 5, channels: 1, height: 28, width: 28 } as const;
    const options = { columns: 2, rows: [{ label: 'a = 1', count: 3 }, { label: 'a = 2', count: 2 }] };
    const layout = labelledGridSize(shape, options);
    const wrapped = decodePng(await labelledGridPng(patterns(5), shape, options));
    assert.deepEqual(layout.labels.map((l) => l.top), [0, 2 * 112 + 2 + 8], 'groups that wrap are 4 gaps apart');
    assert.equal(wrapped.height, 3 * 112 + 2 + 8);
    assert.ok(darkPixels(wrapped, 0, 0, layout.margin, 112) > 50, 'the first line is labelled');
    assert.equal(darkPixels(wrapped, 0, 114, layout.margin, 112), 0, 'its continuation is not');
  });

  it('refuses rows that do not add up, bad scales and wrong pixel counts with E_BAD_ARGUMENT', async () => {
    const shape = { count: 2, channels: 1, height: 2, width: 2 } as const;
    const bad = async (p: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(p, (e: unknown) => e instanceof StoreError && e.code === 'E_BAD_ARGUMENT' && pattern.test(e.message));
    await bad(labelledGridPng(new Uint8Array(8), shape, { columns: 2, rows: [{ label: 'x', count: 1 }] }), /options\.rows hold 1 images in all, but shape\.count is 2/);
    await bad(labelledGridPng(new Uint8Array(8), shape, { columns: 2, scale: 0 }), /options\.scale must be a whole number from 1 to 64, got 0/);
    await bad(labelledGridPng(new Uint8Array(7), shape, { columns: 2 }), /pixels holds 7 bytes, but 2 images of 1 × 2 × 2 take 8/);
  });

  it('assignmentLabel writes name = value pairs, numbers with at most 4 significant digits', () => {
    assert.equal(assignmentLabel([['label', 3]]), 'label = 3');
    assert.equal(assignmentLabel([['temperature', 0.25], ['material', 'steel']]), 'temperature = 0.25, material = steel');
    assert.equal(assignmentLabel([['t', 1 / 3], ['u', 12345.6]]), 't = 0.3333, u = 12346');
    assert.equal(assignmentLabel([]), '');
  });
});

describe('sample grids', () => {
  it("a conditional grid has one labelled row per condition value, rows that differ, and every image at 4×", async () => {
    const conditions = [{ name: 'label', kind: 'categorical' as const, levels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }];
    const gan = createGan({ model: 'cdcgan', size: 28, channels: 1, noiseDim: 16, conditions });
    try {
      const png = decodePng(await renderSampleGrid(gan, 3, 'cpu'));
      const layout = labelledGridSize({ count: 100, channels: 1, height: 28, width: 28 }, { columns: 10, scale: 4, rows: gridRowLabels(conditions).map((label) => ({ label, count: 10 })) });
      assert.deepEqual([png.width, png.height], [layout.margin + 10 * 112 + 9 * 2, 10 * 112 + 9 * 2], '10 × 10 cells of 112 × 112 and a label margin');
      assert.equal(layout.labels.length, 10);
      // The label margin of every row holds text; the cells of two rows (same noise, other label) differ.
      for (const l of layout.labels) assert.ok(darkPixels(png, 0, l.top, layout.margin, 112) > 30, `row at ${l.top} is labelled`);
      const cell = (row: number, col: number): number[] => {
        const { top, left } = layout.cells[row * 10 + col]!;
        return Array.from({ length: 28 * 28 }, (_, p) => grey(png, left + (p % 28) * 4, top + Math.floor(p / 28) * 4));
      };
      assert.notDeepEqual(cell(0, 0), cell(1, 0), 'rows differ by their label');
      // Nearest neighbour: every 4 × 4 block is one value.
      const { top, left } = layout.cells[0]!;
      for (let d = 0; d < 16; d++) assert.equal(grey(png, left + 40 + (d % 4), top + 60 + Math.floor(d / 4)), grey(png, left + 40, top + 60));
    } finally {
      gan.dispose();
    }
  });

  it('labels name the varied condition: levels as they are, continuous values shortened', () => {
    assert.deepEqual(gridRowLabels([{ name: 'label', kind: 'categorical', levels: ['cat', 'dog'] }]), ['label = cat', 'label = dog']);
    const continuous = gridRowLabels([
      { name: 'temperature', kind: 'continuous', min: 0, max: 1 },
      { name: 'label', kind: 'categorical', levels: [1, 2] },
    ]);
    assert.equal(continuous.length, 10);
    assert.deepEqual([continuous[0], continuous[1], continuous[9]], ['temperature = 0', 'temperature = 0.1111', 'temperature = 1']);
    assert.deepEqual(gridRowLabels([]), []);
  });

  it('an unconditional grid has no margin and the same scale', async () => {
    const gan = createGan({ model: 'dcgan', size: 28, channels: 1, noiseDim: 16, conditions: [] });
    try {
      const png = decodePng(await renderSampleGrid(gan, 3, 'cpu'));
      assert.deepEqual([png.width, png.height], [10 * 112 + 18, 10 * 112 + 18]);
    } finally {
      gan.dispose();
    }
  });
});

describe('ml predict writes one contact sheet per call', () => {
  let dir: string;
  let m: MnistStore;
  let run: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-labelled-grids-'));
    m = await makeMnistStore(dir, 32);
    run = (await trainGan(m.store, { table: 'digits', epochs: 1, batch: 16, seed: 7, threads: 1, conditionColumns: ['label'] })).run_id;
  });

  after(async () => {
    await m.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Every contact sheet under the store's data folder, as paths relative to the store's folder. */
  function sheets(): string[] {
    const found: string[] = [];
    const walk = (p: string): void => {
      for (const e of fs.readdirSync(p, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(p, e.name));
        else if (/contact-sheet/.test(e.name)) found.push(path.relative(dir, path.join(p, e.name)).split(path.sep).join('/'));
      }
    };
    walk(m.store.dataFolder!);
    return found.sort();
  }

  it('each call adds exactly one sheet, at the returned path: one labelled row per combination', async () => {
    const levels = (await m.store.query('SELECT DISTINCT label FROM digits ORDER BY label')).map((r) => Number(r['label']));
    const before0 = sheets();
    const a = await predictGan(m.store, { run, grid: { label: levels.slice(0, 3).join(',') }, count: 2, seed: 1 });
    const afterA = sheets();
    assert.deepEqual(afterA, [...before0, a.FILE_contact_sheet].sort(), 'one new sheet, the one returned');
    const b = await predictGan(m.store, { run, grid: { label: levels.slice(0, 3).join(',') }, count: 2, seed: 1 });
    assert.notEqual(b.FILE_contact_sheet, a.FILE_contact_sheet, 'a later call never overwrites an earlier sheet');
    assert.deepEqual(sheets(), [...afterA, b.FILE_contact_sheet].sort());

    const png = decodePng(fs.readFileSync(path.join(dir, a.FILE_contact_sheet)));
    const rows = levels.slice(0, 3).map((l) => ({ label: `label = ${l}`, count: 2 }));
    const layout = labelledGridSize({ count: 6, channels: 1, height: 28, width: 28 }, { columns: 2, scale: 4, rows });
    assert.deepEqual([png.width, png.height], [layout.width, layout.height]);
    assert.equal(png.height, 3 * 112 + 2 * 2, 'three combinations, one line each');
    for (const l of layout.labels) assert.ok(darkPixels(png, 0, l.top, layout.margin, 112) > 30, `the row at ${l.top} is labelled`);
    // The sheet shows the call's own images, each at 4×.
    const first = decodePng(fs.readFileSync(path.join(dir, a.predictions[3]!.FILE)));
    const { top, left } = layout.cells[3]!;
    for (const p of [0, 100, 400, 783]) assert.equal(grey(png, left + (p % 28) * 4 + 1, top + Math.floor(p / 28) * 4 + 2), first.data[p]);
  });

  it('a combination with many images wraps onto lines of 10; beyond 20 lines each combination keeps its first images', async () => {
    const wrapped = await predictGan(m.store, { run, params: { label: '1' }, count: 25, seed: 3 });
    const w = decodePng(fs.readFileSync(path.join(dir, wrapped.FILE_contact_sheet)));
    assert.equal(w.height, 3 * 112 + 2 * 2, '25 images: three lines');
    const levels = (await m.store.query('SELECT DISTINCT label FROM digits ORDER BY label')).map((r) => Number(r['label']));
    const many = await predictGan(m.store, { run, grid: { label: levels.slice(0, 4).join(',') }, count: 60, seed: 3 });
    const s = decodePng(fs.readFileSync(path.join(dir, many.FILE_contact_sheet)));
    // 4 combinations share 20 lines: 5 lines (50 images) each, groups 4 gaps apart.
    assert.equal(s.height, 4 * (5 * 112 + 4 * 2) + 3 * 8);
    assert.equal(many.predictions.length, 240, 'every image is still written');
  });

  it('the CLI prints the sheet of the call', () => {
    const r = spawnSync(process.execPath, [DSI, '--db', m.db, 'ml', 'predict', '--run', run, '--params', 'label=1', '--count', '2', '--seed', '9'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    const printed = /^Contact sheet: (\S+)$/m.exec(r.stdout);
    assert.ok(printed, r.stdout);
    assert.ok(fs.existsSync(path.join(dir, printed[1]!)), 'the printed path exists');
  });
});
