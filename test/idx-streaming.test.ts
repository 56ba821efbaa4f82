/**
 * IDX files are streamed: the memory a read takes stays at a batch of images whatever the file
 * inflates to; a file whose body is longer or shorter than its header declares is refused before
 * any row or PNG exists; a raw file and its gzip twin give the same rows and the same PNGs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { IDX_IMAGES_MAGIC, idxRecords, openIdx } from '../src/images/idx-file.js';
import { decodePng } from '../src/images/png-codec.js';
import { Store, openStore as openDsiStore } from '../src/index.js';
import { filesUnder, idxBytes, syntheticPixels, writeIdxPair } from './helpers/image-fixtures.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

const MiB = 1 << 20;

/**
 * Read `images` into a fresh store in a child process (a clean heap, `gc` exposed) and report the
 * live array-buffer memory after each batch (sampled at the progress callback, after a full GC),
 * the rows and the PNGs written.
 */
function readInChild(images: string, dir: string): { peakArrayBuffers: number; rows: number; pngs: number; samples: number } {
  const index = fileURLToPath(new URL('../src/index.js', import.meta.url));
  const code = `
    import fs from 'node:fs';
    import path from 'node:path';
    const { openStore: openDsiStore } = await import(${JSON.stringify(index)});
    const gc = globalThis.gc;
    let peak = 0, samples = 0;
    const sample = () => { gc(); peak = Math.max(peak, process.memoryUsage().arrayBuffers); samples++; };
    sample();
    const store = await openDsiStore(path.join(${JSON.stringify(dir)}, 'dsi.db'));
    await store.read([${JSON.stringify(images)}], { reader: 'idx', table: 'big', onProgress: sample });
    const rows = (await store.query('SELECT COUNT(*) AS n FROM big'))[0].n;
    await store.close();
    const pngs = fs.readdirSync(path.join(${JSON.stringify(dir)}, 'dsi.data', 'big', 'train')).length;
    process.stdout.write(JSON.stringify({ peakArrayBuffers: peak, rows, pngs, samples }));
  `;
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as { peakArrayBuffers: number; rows: number; pngs: number; samples: number };
}

describe('IDX streaming: memory stays at a batch', () => {
  it('an honest gzip of 5,000 × 128 × 128 zero images (80 MiB inflated, under 1 MiB on disk) reads with under 40 MiB of buffers live', () => {
    const dir = tempDir('dsi-idx-stream-');
    const [count, height, width] = [5000, 128, 128];
    const file = path.join(dir, 'train-images-idx3-ubyte.gz');
    fs.writeFileSync(file, zlib.gzipSync(idxBytes(IDX_IMAGES_MAGIC, [count, height, width], new Uint8Array(count * height * width))));
    assert.ok(fs.statSync(file).size < MiB, 'the file on disk is small');
    const result = readInChild(file, dir);
    assert.equal(result.rows, count);
    assert.equal(result.pngs, count);
    assert.ok(result.samples > 10, `memory was sampled after each batch (${result.samples} samples)`);
    assert.ok(result.peakArrayBuffers < 40 * MiB, `live buffers peaked at ${(result.peakArrayBuffers / MiB).toFixed(1)} MiB for ${(count * height * width) / MiB} MiB of pixels`);
  });
});

async function openStore(): Promise<{ store: Store; dir: string; data: string }> {
  const dir = tempDir('dsi-idx-stream-');
  const store = await openDsiStore(path.join(dir, 'dsi.db'));
  return { store, dir, data: path.join(dir, 'dsi.data') };
}

/** An image file declaring `declared` images of 3 × 3 whose body holds `held`; raw or gzip. */
function writeLyingImages(dir: string, declared: number, held: number, gzip: boolean): string {
  const bytes = idxBytes(IDX_IMAGES_MAGIC, [declared, 3, 3], syntheticPixels(held, 3, 3));
  const file = path.join(dir, `train-images-idx3-ubyte${gzip ? '.gz' : ''}`);
  fs.writeFileSync(file, gzip ? zlib.gzipSync(bytes) : bytes);
  return file;
}

describe('IDX streaming: a body longer or shorter than declared writes nothing', () => {
  const cases = [
    { gzip: false, declared: 5000, held: 4999, message: /truncated: the header declares 5000 × 3 × 3 \(45000 bytes of data\), the file holds 44991/ },
    { gzip: true, declared: 5000, held: 4999, message: /truncated: the header declares 5000 × 3 × 3 \(45000 bytes of data\), the file holds 44991/ },
    { gzip: false, declared: 5000, held: 5001, message: /9 bytes follow the 5000 × 3 × 3 the header declares/ },
    { gzip: true, declared: 5000, held: 5001, message: /the gzip stream holds more than the 45016 bytes its header declares \(5000 × 3 × 3\)/ },
  ];
  for (const c of cases) {
    it(`${c.gzip ? 'gzip' : 'raw'}, ${c.held} images held for ${c.declared} declared (more than a batch): E_BAD_INPUT, no rows, no PNGs`, async () => {
      const { store, dir, data } = await openStore();
      try {
        const earlier = path.join(dir, 'earlier');
        fs.mkdirSync(earlier);
        await store.read([writeIdxPair(earlier, 'train', 2, 3, 3).images], { reader: 'idx', table: 'digits' });
        const before = await dumpStore(store);
        const filesBefore = filesUnder(data);
        const file = writeLyingImages(dir, c.declared, c.held, c.gzip);
        let progress = 0;
        const e = await rejectsWithCode(store.read([file], { reader: 'idx', table: 'digits', onProgress: () => progress++ }), 'E_BAD_INPUT');
        assert.ok(e.message.startsWith(`${file}: `), e.message);
        assert.match(e.message, c.message);
        assert.equal(progress, 0, 'refused before the first batch');
        assert.deepEqual(await dumpStore(store), before);
        assert.deepEqual(filesUnder(data), filesBefore);
      } finally {
        await store.close();
      }
    });
  }

  for (const gzip of [false, true]) {
    it(`a ${gzip ? 'gzip' : 'raw'} file that grows after it was checked fails when its batches are read, naming the file`, async () => {
      const dir = tempDir('dsi-idx-stream-');
      const file = writeLyingImages(dir, 10, 10, gzip);
      const idx = await openIdx(file, IDX_IMAGES_MAGIC, 'image');
      assert.deepEqual([idx.sizes, idx.headerBytes, idx.bodyBytes, idx.gzip], [[10, 3, 3], 16, 90, gzip]);
      writeLyingImages(dir, 10, 11, gzip);
      await assert.rejects(
        (async () => {
          for await (const batch of idxRecords(idx, 9, 4)) assert.ok(batch.length > 0);
        })(),
        (e: Error) => e.message === `${file}: the file changed while it was read: its body no longer holds the 90 bytes its header declares`,
      );
    });
  }
});

describe('IDX streaming: raw and gzip read alike', () => {
  it('2,500 images of 5 × 4 (two batches, the last partial) give the same rows and PNGs from a raw file and its gzip twin, each PNG its IDX bytes', async () => {
    const [count, height, width] = [2500, 5, 4];
    const read = async (gzip: boolean) => {
      const { store, dir, data } = await openStore();
      try {
        const pair = writeIdxPair(dir, 'train', count, height, width, { gzip });
        assert.equal(path.extname(pair.images) === '.gz', gzip);
        await store.read([pair.images], { reader: 'idx', table: 'digits', readerOptions: { labelNames: 'a,b,c,d,e,f,g,h,i,j' } });
        const rows = await store.query('SELECT * FROM digits ORDER BY id');
        const pngs = filesUnder(data).map((f) => [f, fs.readFileSync(path.join(data, f))] as const);
        return { rows, pngs, pixels: pair.pixels, labels: pair.labelValues, dir };
      } finally {
        await store.close();
      }
    };
    const raw = await read(false);
    const gz = await read(true);
    assert.equal(raw.rows.length, count);
    assert.deepEqual(gz.rows, raw.rows);
    assert.deepEqual(gz.pngs.map(([f]) => f), raw.pngs.map(([f]) => f));
    for (let i = 0; i < count; i++) {
      assert.ok(gz.pngs[i]![1].equals(raw.pngs[i]![1]), `PNG ${raw.pngs[i]![0]} is the same from both files`);
      const r = raw.rows[i]!;
      assert.deepEqual([r['id'], r['index'], r['label'], r['label_name']], [i + 1, i, raw.labels[i], 'abcdefghij'[raw.labels[i]!]]);
      const png = decodePng(fs.readFileSync(path.join(raw.dir, r['FILE'] as string)), r['FILE'] as string);
      assert.deepEqual(Array.from(png.data), Array.from(raw.pixels.subarray(i * height * width, (i + 1) * height * width)), `pixels of image ${i}`);
    }
  });
});
