/**
 * `loadImages`: the pixels of the images a query selects as N × C × H × W uint8, channel
 * conversion and resizing bit-exact with Pillow (the library the Python GAN tool read images
 * with; fixtures from scripts/image-fixtures/pillow_reference.py), and the decoded-array cache:
 * reused while files are unchanged, refreshed for exactly the files that changed (by stamp, or
 * by content hash where the stamp cannot tell).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Store, openStore, encodePng, loadImages } from '../src/index.js';
import { CACHE_FORMAT, type CacheIndex, ImageCache, KEEP_ENTRIES, RACY_WINDOW_MS, STAMP_FIELDS, isRacy, putStamp } from '../src/images/image-cache.js';
import { writePlanar } from '../src/images/planar-pixels.js';
import { resizePlane } from '../src/images/resample.js';
import { writeIdxPair, writeImage } from './helpers/image-fixtures.js';
import { rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PILLOW = path.resolve(HERE, '../../test/fixtures/images/pillow-reference.json');

interface PillowReference {
  resize: { width: number; height: number; input: string; outWidth: number; outHeight: number; output: string }[];
  luma: { width: number; height: number; rgb: string; grey: string };
}
const reference = JSON.parse(fs.readFileSync(PILLOW, 'utf8')) as PillowReference;
const bytes64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

after(removeTempDirs);

describe('pixel conversion and resizing agree with Pillow bit for bit', () => {
  for (const c of reference.resize) {
    it(`resizes ${c.width}×${c.height} to ${c.outWidth}×${c.outHeight} as Image.resize(BILINEAR) does`, () => {
      const out = new Uint8Array(c.outWidth * c.outHeight);
      resizePlane(bytes64(c.input), 0, c.width, c.height, out, 0, c.outWidth, c.outHeight);
      assert.deepEqual(out, bytes64(c.output));
    });
  }

  it("turns RGB into grey as convert('L') does", () => {
    const l = reference.luma;
    const out = new Uint8Array(l.width * l.height);
    writePlanar({ width: l.width, height: l.height, channels: 3, depth: 8, data: bytes64(l.rgb), format: 'png' }, 1, out, 0);
    assert.deepEqual(out, bytes64(l.grey));
  });

  it('lays out planes: grey → RGB repeats the plane, a missing alpha is 255, 16-bit rounds v/257', () => {
    const out = new Uint8Array(2 * 4);
    writePlanar({ width: 2, height: 1, channels: 1, depth: 16, data: Uint16Array.from([257 * 10, 65535]), format: 'png' }, 4, out, 0);
    assert.deepEqual(Array.from(out), [10, 255, 10, 255, 10, 255, 255, 255]);
    const rgba = new Uint8Array(2 * 3);
    writePlanar({ width: 2, height: 1, channels: 4, depth: 8, data: Uint8Array.from([1, 2, 3, 9, 4, 5, 6, 9]), format: 'png' }, 3, rgba, 0);
    assert.deepEqual(Array.from(rgba), [1, 4, 2, 5, 3, 6]);
  });
});

describe('loadImages', () => {
  let dir: string;
  let store: Store;
  let idx: ReturnType<typeof writeIdxPair>;
  const ALL = 'SELECT * FROM digits ORDER BY id';

  before(async () => {
    dir = tempDir('dsi-load-');
    store = await openStore(path.join(dir, 'dsi.db'));
    idx = writeIdxPair(dir, 'train', 12, 6, 5);
    await store.read([idx.images], { reader: 'idx', table: 'digits' });
  });
  after(() => store.close());

  it('returns N × C × H × W pixels equal to the source images, the other columns and the files', async () => {
    const got = await loadImages(store, ALL, { cache: false });
    assert.deepEqual([got.count, got.channels, got.height, got.width, got.cache, got.decoded], [12, 1, 6, 5, 'off', 12]);
    assert.deepEqual(got.pixels, idx.pixels);
    assert.deepEqual(got.columns['label'], Array.from(idx.labelValues));
    assert.deepEqual(got.columns['id'], Array.from({ length: 12 }, (_, i) => i + 1));
    assert.ok(!('FILE' in got.columns));
    assert.equal(got.files[3], path.join(dir, 'dsi.data/digits/train/000004.png'));
  });

  it('gives 3 channels by repeating the grey plane, and resizes as Pillow does', async () => {
    const rgb = await loadImages(store, `${ALL} LIMIT 2`, { channels: 3, cache: false });
    const plane = 6 * 5;
    assert.deepEqual([rgb.channels, rgb.pixels.length], [3, 2 * 3 * plane]);
    for (let c = 0; c < 3; c++) assert.deepEqual(rgb.pixels.subarray((3 + c) * plane, (4 + c) * plane), idx.pixels.subarray(plane, 2 * plane));
    const big = await loadImages(store, `${ALL} LIMIT 3`, { size: [9, 8], cache: false });
    assert.deepEqual([big.height, big.width, big.pixels.length], [9, 8, 3 * 72]);
    const expected = new Uint8Array(72);
    resizePlane(idx.pixels, 2 * plane, 5, 6, expected, 0, 8, 9);
    assert.deepEqual(big.pixels.subarray(2 * 72), expected);
  });

  it('resizes a PNG file end to end exactly as Pillow resized the same pixels', async () => {
    const c = reference.resize.find((r) => r.outWidth === 35 && r.outHeight === 20)!;
    const folder = path.join(dir, 'pillow');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'blob.png'), encodePng({ width: c.width, height: c.height, channels: 1, data: bytes64(c.input) }));
    await store.read([folder], { reader: 'images', table: 'pillow' });
    const got = await loadImages(store, 'SELECT * FROM pillow', { size: [20, 35], cache: false });
    assert.deepEqual(got.pixels, bytes64(c.output));
  });

  it('converts colour to grey, keeps alpha when asked, and decodes JPEGs', async () => {
    const folder = path.join(dir, 'colour');
    fs.mkdirSync(folder);
    const l = reference.luma;
    await writeImage(path.join(folder, 'a.png'), bytes64(l.rgb), l.width, l.height, 3);
    const rgba = new Uint8Array(l.width * l.height * 4).map((_, i) => (i % 4 === 3 ? 77 : 100));
    await writeImage(path.join(folder, 'b.png'), rgba, l.width, l.height, 4);
    await writeImage(path.join(folder, 'c.jpg'), new Uint8Array(l.width * l.height * 3).fill(90), l.width, l.height, 3);
    await store.read([folder], { reader: 'images', table: 'colour' });
    const auto = await loadImages(store, 'SELECT * FROM colour ORDER BY name', { cache: false });
    assert.equal(auto.channels, 3, 'colour images load as RGB by default');
    const grey = await loadImages(store, 'SELECT * FROM colour ORDER BY name', { channels: 1, cache: false });
    const plane = l.width * l.height;
    assert.deepEqual(grey.pixels.subarray(0, plane), bytes64(l.grey));
    const withAlpha = await loadImages(store, 'SELECT * FROM colour ORDER BY name', { channels: 4, cache: false });
    assert.ok(withAlpha.pixels.subarray(4 * plane + 3 * plane, 4 * plane + 4 * plane).every((v) => v === 77), 'b.png keeps its alpha');
    assert.ok(withAlpha.pixels.subarray(3 * plane, 4 * plane).every((v) => v === 255), 'a.png without alpha is opaque');
    assert.ok(withAlpha.pixels.subarray(8 * plane, 11 * plane).every((v) => Math.abs(v - 90) <= 1), 'the JPEG decodes');
  });

  it('caches the decoded array beside the store: a miss, then hits that decode nothing and give the same pixels', async () => {
    const q = `${ALL} LIMIT 10`;
    const first = await loadImages(store, q);
    const second = await loadImages(store, q);
    assert.deepEqual([first.cache, first.decoded, second.cache, second.decoded], ['miss', 10, 'hit', 0]);
    assert.deepEqual(second.pixels, first.pixels);
    assert.deepEqual(second.columns, first.columns);
    const cacheDir = path.join(dir, 'dsi.data', '.cache', 'images');
    assert.ok(fs.readdirSync(cacheDir).some((n) => n.endsWith('.pixels')));
    // Another size, another channel count, another file list: entries of their own.
    assert.equal((await loadImages(store, q, { size: 8 })).cache, 'miss');
    assert.equal((await loadImages(store, q, { size: 8 })).cache, 'hit');
    assert.equal((await loadImages(store, `${ALL} LIMIT 9`)).cache, 'miss');
  });

  it('decodes again only the file whose bytes changed, even when its modification time was put back', async () => {
    const q = `${ALL} LIMIT 6 OFFSET 6`;
    const before = await loadImages(store, q);
    const target = before.files[2]!;
    const stat = fs.statSync(target);
    const replacement = new Uint8Array(30).fill(201);
    fs.writeFileSync(target, encodePng({ width: 5, height: 6, channels: 1, data: replacement }));
    fs.utimesSync(target, stat.atime, stat.mtime);
    const after = await loadImages(store, q);
    assert.deepEqual([after.cache, after.decoded], ['refreshed', 1]);
    assert.deepEqual(after.pixels.subarray(2 * 30, 3 * 30), replacement);
    assert.deepEqual(after.pixels.subarray(0, 2 * 30), before.pixels.subarray(0, 2 * 30));
    const again = await loadImages(store, q);
    assert.deepEqual([again.cache, again.pixels.subarray(60, 90)], ['hit', replacement]);
  });

  it('hashes files whose stamp is too recent to trust, and catches a change the stamp cannot see', async () => {
    const q = `${ALL} LIMIT 3`;
    const loaded = await loadImages(store, q);
    const key = ImageCache.key(loaded.files, { size: 'native', channels: 'auto' });
    const cache = new ImageCache(path.join(dir, 'dsi.data', '.cache', 'images'));
    const target = loaded.files[1]!;
    const replacement = new Uint8Array(30).fill(9);
    fs.writeFileSync(target, encodePng({ width: 5, height: 6, channels: 1, data: replacement }));
    // Pretend the file had this very stamp when the entry was written (a change within the file
    // system's timestamp granularity): only its content hash can tell.
    const index = cache.readIndex(key, 3)!;
    const stat = fs.statSync(target);
    putStamp(index.stamps, 1, stat);
    cache.write(key, { ...index, header: { ...index.header, checkedAtMs: stat.mtimeMs } });
    assert.ok(isRacy(index.stamps, 1, stat.mtimeMs));
    const after = await loadImages(store, q);
    assert.deepEqual([after.cache, after.decoded], ['refreshed', 1]);
    assert.deepEqual(after.pixels.subarray(30, 60), replacement);
    // Long after the check, a matching stamp is trusted without reading the file.
    assert.equal(isRacy(index.stamps, 1, Math.max(stat.mtimeMs, stat.ctimeMs) + RACY_WINDOW_MS + 1), false);
  });

  it(`keeps the ${KEEP_ENTRIES} most recent cache entries`, async () => {
    const cacheDir = path.join(dir, 'dsi.data', '.cache', 'images');
    for (let n = 1; n <= KEEP_ENTRIES + 2; n++) await loadImages(store, `${ALL} LIMIT ${n}`, { size: 4 });
    assert.ok(fs.readdirSync(cacheDir).filter((n) => n.endsWith('.index')).length <= KEEP_ENTRIES);
  });

  it('keeps entries under the byte cap, oldest dropped first, the newest always', () => {
    const folder = path.join(dir, 'capped-cache');
    const cache = new ImageCache(folder, { maxBytes: 250 });
    const index = (): CacheIndex => ({
      header: { format: CACHE_FORMAT, count: 1, channels: 1, height: 10, width: 10, checkedAtMs: 0 },
      stamps: new Float64Array(STAMP_FIELDS),
      hashes: new Uint8Array(32),
    });
    const age = (key: string, secondsAgo: number): void => {
      const t = new Date(Date.now() - secondsAgo * 1000);
      fs.utimesSync(path.join(folder, `${key}.index`), t, t);
    };
    cache.write('a', index(), new Uint8Array(100));
    cache.write('b', index(), new Uint8Array(100));
    age('a', 20);
    age('b', 10);
    cache.write('c', index(), new Uint8Array(100)); // 300 bytes > 250: the oldest, a, goes
    const left = () => fs.readdirSync(folder).filter((n) => n.endsWith('.pixels')).sort();
    assert.deepEqual(left(), ['b.pixels', 'c.pixels']);
    cache.write('d', index(), new Uint8Array(400)); // over the cap alone: kept, as the newest
    assert.deepEqual(left(), ['d.pixels']);
    assert.equal(new ImageCache(folder, {}).readPixels('d', 400)?.length, 400);
  });

  it('needs one size for all images unless resizing: a different one fails naming the file', async () => {
    const folder = path.join(dir, 'mixed');
    fs.mkdirSync(folder);
    await writeImage(path.join(folder, 'a.png'), new Uint8Array(16), 4, 4, 1);
    await writeImage(path.join(folder, 'b.png'), new Uint8Array(25), 5, 5, 1);
    await store.read([folder], { reader: 'images', table: 'mixed' });
    const e = await rejectsWithCode(loadImages(store, 'SELECT * FROM mixed ORDER BY name'), 'E_BAD_INPUT');
    assert.ok(e.message.startsWith(`${path.join(folder, 'b.png')}: is 5 × 5 pixels but a.png is 4 × 4`), e.message);
    const ok = await loadImages(store, 'SELECT * FROM mixed ORDER BY name', { size: 4 });
    assert.deepEqual([ok.count, ok.height, ok.width], [2, 4, 4]);
  });

  it('fails naming the file when an image is missing or corrupt', async () => {
    const folder = path.join(dir, 'fragile');
    fs.mkdirSync(folder);
    await writeImage(path.join(folder, 'a.png'), new Uint8Array(16), 4, 4, 1);
    await writeImage(path.join(folder, 'b.png'), new Uint8Array(16), 4, 4, 1);
    await store.read([folder], { reader: 'images', table: 'fragile' });
    fs.writeFileSync(path.join(folder, 'b.png'), 'not a png any more');
    const corrupt = await rejectsWithCode(loadImages(store, 'SELECT * FROM fragile ORDER BY name', { cache: false }), 'E_BAD_INPUT');
    assert.ok(corrupt.message.startsWith(`${path.join(folder, 'b.png')}: not a PNG or JPEG`), corrupt.message);
    fs.rmSync(path.join(folder, 'b.png'));
    const gone = await rejectsWithCode(loadImages(store, 'SELECT * FROM fragile ORDER BY name'), 'E_BAD_INPUT');
    assert.match(gone.message, /b\.png: the image of row 2 of the query \(FILE\) does not exist/);
  });

  it('checks its arguments: size, channels, the image column', async () => {
    await rejectsWithCode(loadImages(store, ALL, { size: 0 }), 'E_BAD_ARGUMENT');
    await rejectsWithCode(loadImages(store, ALL, { size: [3] as unknown as [number, number] }), 'E_BAD_ARGUMENT');
    await rejectsWithCode(loadImages(store, ALL, { channels: 2 as unknown as 1 }), 'E_BAD_ARGUMENT');
    await rejectsWithCode(loadImages(store, ALL, { imageColumn: 'nope' }), 'E_COLUMN_MISSING');
    const e = await rejectsWithCode(loadImages(store, 'SELECT id, label FROM digits'), 'E_BAD_ARGUMENT');
    assert.match(e.message, /no FILE column/);
    await rejectsWithCode(loadImages(store, 'DELETE FROM digits'), 'E_READ_ONLY');
  });

  it('returns an empty set for a query without rows, and takes query parameters', async () => {
    const none = await loadImages(store, 'SELECT * FROM digits WHERE id < 0');
    assert.deepEqual([none.count, none.pixels.length], [0, 0]);
    const some = await loadImages(store, 'SELECT * FROM digits WHERE label = ? ORDER BY id', { params: [3], cache: false });
    assert.deepEqual(some.columns['label'], [3]);
  });
});
