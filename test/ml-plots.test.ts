/**
 * Plots and image grids: line, loss, bar and histogram plots are SVG documents with their title,
 * axis labels and one mark per series, bar or bin; non-finite values are left out and empty input
 * is refused with E_ML_ARGUMENT. `writePlot` writes SVG as is and PNG at twice the SVG's size,
 * atomically (no temporary file left, the target untouched on failure). The PNG's text is drawn
 * with a real font (fonts-dejavu-core on Debian). `imageGridPng` puts every pixel of every tile
 * in its place; `tanhToUint8` maps [-1, 1] to 0..255.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { MlError, StoreError } from '../src/errors.js';
import { imageGridPng } from '../src/images/image-grid.js';
import { decodePng } from '../src/images/png-codec.js';
import { tanhToUint8 } from '../src/images/tanh-pixels.js';
import { barPlotSvg } from '../src/ml/plots/bar-plot.js';
import { histogramSvg } from '../src/ml/plots/histogram.js';
import { linePlotSvg } from '../src/ml/plots/line-plot.js';
import { lossPlotSvg } from '../src/ml/plots/loss-plot.js';
import { writePlot } from '../src/ml/plots/write-plot.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

/** The marks of one kind (`line`, `rect`, `rule`, `symbol`) in a Vega SVG: its paths or lines. */
function marks(svg: string, kind: string): number {
  // An empty group is self-closing (`<g … />`): only `>` opens one with marks inside.
  const groups = svg.match(new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*[^/]>.*?</g>`, 'g')) ?? [];
  return groups.reduce((n, g) => n + (g.match(/<(path|line) /g)?.length ?? 0), 0);
}

/** The SVG's own width and height (its root element's attributes). */
function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]* width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
  assert.ok(m, 'the SVG root has width and height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Assert that `call` fails with an MlError of code E_ML_ARGUMENT whose message matches `message`. */
async function rejectsArgument(call: () => Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof MlError, `expected an MlError, got ${String(e)}`);
    assert.equal(e.code, 'E_ML_ARGUMENT');
    assert.match(e.message, message);
    return true;
  });
}

/** Names of the files in `dir`. */
const filesIn = (dir: string) => fs.readdirSync(dir).sort();

describe('linePlotSvg draws one line per series', () => {
  const options = { title: 'Validation accuracy', xLabel: 'epoch number', yLabel: 'accuracy (%)' };

  it('is an SVG document with the title, both axis labels and one path per series', async () => {
    const svg = await linePlotSvg(
      [
        { name: 'train', points: [{ x: 1, y: 0.5 }, { x: 2, y: 0.7 }, { x: 3, y: 0.8 }] },
        { name: 'valid', points: [{ x: 1, y: 0.4 }, { x: 2, y: 0.6 }, { x: 3, y: 0.65 }] },
        { name: 'test', points: [{ x: 1, y: 0.3 }, { x: 3, y: 0.6 }] },
      ],
      options,
    );
    assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    for (const text of ['Validation accuracy', 'epoch number', 'accuracy (%)', '>train<', '>valid<', '>test<']) assert.ok(svg.includes(text), `the SVG shows ${text}`);
    assert.equal(marks(svg, 'line'), 3);
    assert.equal(marks(svg, 'symbol'), 0, 'no dots where every series has a line');
  });

  it('takes width and height as the size of the plotting area', async () => {
    const svg = await linePlotSvg([{ name: 'a', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }], { ...options, width: 200, height: 100 });
    assert.ok(svg.includes('class="background" aria-hidden="true" d="M0.5,0.5h200v100h-200Z"'), 'the plotting area\'s frame is 200 × 100');
    const { width, height } = svgSize(svg);
    assert.ok(width > 200 && width < 400 && height > 100 && height < 250, `axes, title and legend come on top: ${width} × ${height}`);
  });

  it('leaves out non-finite points, draws a lone point as a dot and drops a series with no point', async () => {
    const svg = await linePlotSvg(
      [
        { name: 'gaps', points: [{ x: 1, y: 1 }, { x: 2, y: Number.NaN }, { x: Number.POSITIVE_INFINITY, y: 2 }, { x: 3, y: 3 }] },
        { name: 'lone', points: [{ x: 2, y: 5 }, { x: 3, y: Number.NEGATIVE_INFINITY }] },
        { name: 'nothing', points: [{ x: 1, y: Number.NaN }] },
      ],
      options,
    );
    assert.equal(marks(svg, 'line'), 2, 'gaps and lone have a line mark each');
    assert.equal(marks(svg, 'symbol'), 1, 'the lone point is a dot');
    assert.ok(!svg.includes('NaN') && !svg.includes('Infinity'), 'no non-finite coordinate reaches the SVG');
    assert.ok(!svg.includes('>nothing<'), 'a series with no drawable point is not in the legend');
  });

  it('renders a single series of a single point', async () => {
    const svg = await linePlotSvg([{ name: 'only', points: [{ x: 7, y: 0.25 }] }], options);
    assert.equal(marks(svg, 'symbol'), 1);
  });

  it('refuses no series, no drawable point, twice the same name and a bad size with E_ML_ARGUMENT', async () => {
    await rejectsArgument(() => linePlotSvg([], options), /linePlotSvg: series is empty/);
    await rejectsArgument(() => linePlotSvg([{ name: 'a', points: [] }, { name: 'b', points: [{ x: 1, y: Number.NaN }] }], options), /no series has a point with finite x and y/);
    await rejectsArgument(() => linePlotSvg([{ name: 'a', points: [{ x: 1, y: 1 }] }, { name: 'a', points: [{ x: 1, y: 2 }] }], options), /series\[1\]\.name "a" is already/);
    await rejectsArgument(() => linePlotSvg([{ name: 'a', points: [{ x: 1, y: 1 }] }], { ...options, width: 10.5 }), /options\.width must be a whole number from 50 to 8000, got 10\.5/);
    await rejectsArgument(() => linePlotSvg([{ name: 'a', points: [{ x: 1, y: 1 }] }], { ...options, title: undefined as unknown as string }), /options\.title must be a string, got undefined/);
  });
});

describe('lossPlotSvg draws the losses of a run per epoch', () => {
  it('has a d_loss and a g_loss line, leaves out a loss that was never recorded and epochs with null', async () => {
    const svg = await lossPlotSvg(
      [
        { epoch: 1, d_loss: 1.3, g_loss: 0.7, loss: null },
        { epoch: 2, d_loss: null, g_loss: 0.9, loss: null },
        { epoch: 3, d_loss: 1.0, g_loss: 1.2 },
      ],
      'Losses of run-1',
    );
    assert.ok(svg.startsWith('<svg'));
    for (const text of ['Losses of run-1', '>epoch<', '>loss<', '>d_loss<', '>g_loss<']) assert.ok(svg.includes(text), `the SVG shows ${text}`);
    assert.equal(marks(svg, 'line'), 2);
    assert.ok(!/aria-label="[^"]*series: loss/.test(svg), 'no loss curve');
  });

  it('draws the single loss of a non-GAN run, and one epoch as a dot', async () => {
    const svg = await lossPlotSvg([{ epoch: 1, d_loss: null, g_loss: null, loss: 0.5 }], 'One epoch');
    assert.equal(marks(svg, 'line'), 1);
    assert.equal(marks(svg, 'symbol'), 1);
  });

  it('refuses no epochs and epochs without a finite loss with E_ML_ARGUMENT', async () => {
    await rejectsArgument(() => lossPlotSvg([], 'x'), /lossPlotSvg: epochs is empty/);
    await rejectsArgument(() => lossPlotSvg([{ epoch: 1, d_loss: null, g_loss: Number.NaN }], 'x'), /none of the 1 epochs has a finite d_loss, g_loss or loss/);
  });
});

describe('barPlotSvg draws one bar per label', () => {
  const options = { title: 'FID by condition', xLabel: 'temperature', yLabel: 'FID' };

  it('has the title, axis labels, one bar per finite value and one error bar per finite error', async () => {
    const svg = await barPlotSvg(
      [
        { label: 'T=300', value: 12, error: 1.5 },
        { label: 'T=400', value: 18 },
        { label: 'T=500', value: 9, error: 0 },
        { label: 'T=600', value: Number.NaN, error: 1 },
        { label: 'T=700', value: 4, error: Number.NaN },
      ],
      options,
    );
    assert.ok(svg.startsWith('<svg'));
    for (const text of ['FID by condition', 'temperature', '>FID<', '>T=300<', '>T=700<']) assert.ok(svg.includes(text), `the SVG shows ${text}`);
    assert.ok(!svg.includes('>T=600<'), 'a bar without a value is left out');
    assert.equal(marks(svg, 'rect'), 4);
    assert.equal(marks(svg, 'rule'), 2, 'error bars for T=300 and T=500');
  });

  it('refuses no bars, no finite value, a repeated label and a negative error with E_ML_ARGUMENT', async () => {
    await rejectsArgument(() => barPlotSvg([], options), /barPlotSvg: bars is empty/);
    await rejectsArgument(() => barPlotSvg([{ label: 'a', value: Number.NaN }], options), /none of the 1 bars has a finite value/);
    await rejectsArgument(() => barPlotSvg([{ label: 'a', value: 1 }, { label: 'a', value: 2 }], options), /bars\[1\]\.label "a" is already/);
    await rejectsArgument(() => barPlotSvg([{ label: 'a', value: 1, error: -1 }], options), /bars\[0\]\.error must be at least 0.*got -1/);
  });
});

describe('histogramSvg counts values in equal-width bins', () => {
  it('draws one bar per non-empty bin, `bins` of them at most, and leaves out non-finite values', async () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, Number.NaN, Number.POSITIVE_INFINITY];
    const ten = await histogramSvg(values, { title: 'Scores', xLabel: 'D(x)' });
    assert.ok(ten.startsWith('<svg'));
    for (const text of ['Scores', 'D(x)', '>count<']) assert.ok(ten.includes(text), `the SVG shows ${text}`);
    assert.equal(marks(ten, 'rect'), 10, 'the default is 10 bins, one value in each');
    assert.equal(marks(await histogramSvg(values, { title: 'Scores', xLabel: 'D(x)', bins: 3 }), 'rect'), 3);
    // 0.3 / 3 is not exactly 0.1 in floating point: still three bins, not four.
    assert.equal(marks(await histogramSvg([0.1, 0.2, 0.3], { title: 'f', xLabel: 'x', bins: 3 }), 'rect'), 3);
    assert.equal(marks(await histogramSvg([0, 0, 10], { title: 'f', xLabel: 'x', bins: 5 }), 'rect'), 2, 'empty bins draw nothing');
  });

  it('takes typed arrays and draws equal values as one bar', async () => {
    assert.equal(marks(await histogramSvg(new Float32Array([2, 2, 2]), { title: 'same', xLabel: 'x' }), 'rect'), 1);
  });

  it('refuses no values, no finite value and a bad bin count with E_ML_ARGUMENT', async () => {
    await rejectsArgument(() => histogramSvg([], { title: 't', xLabel: 'x' }), /histogramSvg: values is empty/);
    await rejectsArgument(() => histogramSvg([Number.NaN], { title: 't', xLabel: 'x' }), /none of the 1 values is finite/);
    await rejectsArgument(() => histogramSvg([1], { title: 't', xLabel: 'x', bins: 0 }), /options\.bins must be a whole number from 1 to 1000, got 0/);
  });
});

describe('writePlot writes SVG and PNG files atomically', () => {
  const plot = () => linePlotSvg([{ name: 'a', points: [{ x: 1, y: 1 }, { x: 2, y: 3 }] }], { title: 'Plot', xLabel: 'x', yLabel: 'y' });

  it('writes the SVG as it is and a PNG at twice its size, leaving no temporary file', async () => {
    const dir = tempDir();
    const svg = await plot();
    await writePlot(svg, path.join(dir, 'plot.svg'));
    await writePlot(svg, path.join(dir, 'plot.PNG'));
    assert.deepEqual(filesIn(dir), ['plot.PNG', 'plot.svg']);
    assert.equal(fs.readFileSync(path.join(dir, 'plot.svg'), 'utf8'), svg);
    const png = decodePng(fs.readFileSync(path.join(dir, 'plot.PNG')), 'plot.PNG');
    const { width, height } = svgSize(svg);
    assert.equal(png.width, 2 * width);
    assert.equal(png.height, 2 * height);
    assert.equal(png.width / png.height, width / height);
  });

  it('replaces an existing file whole', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'plot.svg');
    fs.writeFileSync(file, 'old');
    const svg = await plot();
    await writePlot(svg, file);
    assert.equal(fs.readFileSync(file, 'utf8'), svg);
    assert.deepEqual(filesIn(dir), ['plot.svg']);
  });

  it('fails with ENOENT naming the file when its folder is missing, and writes nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'missing', 'plot.png');
    await assert.rejects(writePlot(await plot(), file), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ENOENT');
      assert.ok(e.message.startsWith(`writePlot: cannot write ${file}: `), e.message);
      return true;
    });
    assert.deepEqual(filesIn(dir), []);
  });

  it('removes its temporary file when the rename fails (the target is a folder)', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'plot.svg'));
    await assert.rejects(writePlot(await plot(), path.join(dir, 'plot.svg')), (e: Error & { code?: string }) => {
      assert.ok(e.code === 'EISDIR' || e.code === 'ENOTEMPTY' || e.code === 'EEXIST', `code ${e.code}`);
      assert.match(e.message, /^writePlot: cannot write .*plot\.svg: /);
      return true;
    });
    assert.deepEqual(filesIn(dir), ['plot.svg']);
    assert.ok(fs.statSync(path.join(dir, 'plot.svg')).isDirectory(), 'the folder is left as it was');
  });

  it('refuses another extension and an SVG that does not render with E_ML_ARGUMENT, leaving the old file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'plot.png');
    fs.writeFileSync(file, 'old');
    await rejectsArgument(() => writePlot('<svg', file), /writePlot: cannot draw .*plot\.png: the SVG does not render/);
    await rejectsArgument(() => writePlot('not svg', file), /svg must be an SVG document/);
    await rejectsArgument(async () => writePlot(await plot(), path.join(dir, 'plot.jpg')), /file must end in \.svg or \.png, got ".*plot\.jpg"/);
    assert.deepEqual(filesIn(dir), ['plot.png']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'old');
  });
});

describe('the PNG text is drawn with a real font', () => {
  /** One letter drawn by sharp (librsvg) as 8-bit grey. */
  async function letter(ch: string): Promise<Buffer> {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="white"/><text x="6" y="26" font-family="sans-serif" font-size="26">${ch}</text></svg>`;
    return sharp(Buffer.from(svg)).greyscale().raw().toBuffer();
  }

  it('draws different letters differently (without fonts every letter is the same empty box)', async () => {
    const [a, b, o] = await Promise.all([letter('A'), letter('B'), letter('o')]);
    const ink = (img: Buffer) => img.reduce((n, v) => n + (v < 128 ? 1 : 0), 0);
    assert.ok(ink(a) > 20, 'the letter has ink');
    const hint = 'no font found for sans-serif: on Debian, install fonts-dejavu-core';
    assert.notDeepEqual(a, b, hint);
    assert.notDeepEqual(b, o, hint);
  });
});

describe('imageGridPng tiles planar images into one PNG', () => {
  it('places every pixel of three grey 2 × 2 images in two columns, padding and the empty cell background', () => {
    // Image n holds 10n + 1 … 10n + 4, row by row.
    const pixels = new Uint8Array([1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24]);
    const png = imageGridPng(pixels, { count: 3, channels: 1, height: 2, width: 2 }, { columns: 2, padding: 1, background: 200 });
    const image = decodePng(png, 'grid.png');
    assert.deepEqual([image.width, image.height, image.channels, image.depth], [5, 5, 1, 8]);
    const B = 200;
    assert.deepEqual(Array.from(image.data), [
      1,  2,  B, 11, 12,
      3,  4,  B, 13, 14,
      B,  B,  B,  B,  B,
      21, 22, B,  B,  B,
      23, 24, B,  B,  B,
    ]);
  });

  it('interleaves the planes of RGB images, with 2 pixels of black padding by default', () => {
    // Two 1 × 2 RGB images: image 0 is red then green, image 1 blue then white.
    const pixels = new Uint8Array([
      255, 0, /* R */ 0, 255, /* G */ 0, 0, /* B */
      0, 255, /* R */ 0, 255, /* G */ 255, 255, /* B */
    ]);
    const image = decodePng(imageGridPng(pixels, { count: 2, channels: 3, height: 1, width: 2 }, { columns: 2 }), 'rgb.png');
    assert.deepEqual([image.width, image.height, image.channels], [6, 1, 3]);
    assert.deepEqual(Array.from(image.data), [
      255, 0, 0,  0, 255, 0,  0, 0, 0,  0, 0, 0,  0, 0, 255,  255, 255, 255,
    ]);
  });

  it('stacks images in one column, and makes a grid of fewer images than columns as wide as they are', () => {
    const pixels = new Uint8Array([5, 6]);
    const column = decodePng(imageGridPng(pixels, { count: 2, channels: 1, height: 1, width: 1 }, { columns: 1, padding: 0 }), 'c.png');
    assert.deepEqual([column.width, column.height, Array.from(column.data)], [1, 2, [5, 6]]);
    const row = decodePng(imageGridPng(pixels, { count: 2, channels: 1, height: 1, width: 1 }, { columns: 10, padding: 0 }), 'r.png');
    assert.deepEqual([row.width, row.height, Array.from(row.data)], [2, 1, [5, 6]]);
  });

  it('refuses a pixel count that does not match the shape and out-of-range options with E_BAD_ARGUMENT', () => {
    const shape = { count: 2, channels: 1, height: 2, width: 2 } as const;
    const bad = (f: () => unknown, message: RegExp) =>
      assert.throws(f, (e: unknown) => e instanceof StoreError && e.code === 'E_BAD_ARGUMENT' && message.test(e.message));
    bad(() => imageGridPng(new Uint8Array(7), shape, { columns: 2 }), /pixels holds 7 bytes, but 2 images of 1 × 2 × 2 take 8/);
    bad(() => imageGridPng(new Uint8Array(8), shape, { columns: 0 }), /options\.columns must be a whole number from 1/);
    bad(() => imageGridPng(new Uint8Array(8), shape, { columns: 2, background: 256 }), /options\.background must be a whole number from 0 to 255, got 256/);
    bad(() => imageGridPng(new Uint8Array(8), { ...shape, channels: 2 as 1 }, { columns: 2 }), /shape\.channels must be 1 or 3, got 2/);
    bad(() => imageGridPng(new Uint8Array(0), { ...shape, count: 0 }, { columns: 2 }), /shape\.count must be a whole number from 1/);
  });
});

describe('tanhToUint8 maps [-1, 1] to 0..255', () => {
  it('maps -1 to 0, 0 to 128 (127.5 rounds up), 1 to 255, clamps and turns NaN into 0', () => {
    const values = new Float32Array([-1, 0, 1, -0.5, 0.5, -2, 3, Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -1.0000001, 0.999]);
    // -0.5 → 63.75 → 64; 0.5 → 191.25 → 191; 0.999 → 254.87 → 255.
    assert.deepEqual(Array.from(tanhToUint8(values)), [0, 128, 255, 64, 191, 0, 255, 0, 0, 255, 0, 255]);
  });

  it('keeps the length and refuses anything but a Float32Array', () => {
    assert.equal(tanhToUint8(new Float32Array(0)).length, 0);
    assert.throws(() => tanhToUint8([0.5] as unknown as Float32Array), /tanhToUint8: values must be a Float32Array, got Array/);
  });
});
