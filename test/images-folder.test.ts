/**
 * The image folder reader: PNG (8 and 16-bit; grey, grey + alpha, RGB, RGBA) and JPEG (grey, RGB)
 * with their size, channels, bit depth, mean intensity and SHA-256; parameters from a side-car
 * CSV and from file names; a corrupt image or a side-car naming a missing image fails naming the
 * file (and line) and leaves the store unchanged. Also the PNG codec and decoder on their own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Store, openStore as openDsiStore, decodeImage, decodePng, encodePng } from '../src/index.js';
import type { Row } from '../src/index.js';
import { ramp, writeImage } from './helpers/image-fixtures.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');

after(removeTempDirs);

interface Variant {
  readonly name: string;
  readonly channels: 1 | 2 | 3 | 4;
  readonly depth: 8 | 16;
}

const PNG_VARIANTS: Variant[] = [
  { name: 'grey8.png', channels: 1, depth: 8 },
  { name: 'greyalpha8.png', channels: 2, depth: 8 },
  { name: 'rgb8.png', channels: 3, depth: 8 },
  { name: 'rgba8.png', channels: 4, depth: 8 },
  { name: 'grey16.png', channels: 1, depth: 16 },
  { name: 'rgb16.png', channels: 3, depth: 16 },
  { name: 'rgba16.png', channels: 4, depth: 16 },
];

/** Mean of the non-alpha samples as a fraction of full scale. */
function expectedMean(samples: Uint8Array | Uint16Array, channels: number, depth: 8 | 16): number {
  const colour = channels === 2 || channels === 4 ? channels - 1 : channels;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < samples.length; i += channels) {
    for (let c = 0; c < colour; c++) sum += samples[i + c]!;
    n += colour;
  }
  return sum / n / (depth === 16 ? 65535 : 255);
}

describe('PNG codec and decoder', () => {
  for (const v of PNG_VARIANTS) {
    it(`decodes a ${v.depth}-bit ${v.channels}-channel PNG written by sharp to its exact samples`, async () => {
      const dir = tempDir('dsi-img-');
      const samples = ramp(6 * 5 * v.channels, v.depth);
      const file = await writeImage(path.join(dir, v.name), samples, 6, 5, v.channels, v.depth);
      const image = decodePng(fs.readFileSync(file), file);
      assert.deepEqual([image.width, image.height, image.channels, image.depth, image.format], [6, 5, v.channels, v.depth, 'png']);
      assert.deepEqual(Array.from(image.data), Array.from(samples));
    });
  }

  for (const channels of [1, 2, 3, 4] as const) {
    it(`encodes ${channels}-channel 8-bit samples to a PNG that decodes to the same samples`, async () => {
      const samples = ramp(7 * 3 * channels, 8) as Uint8Array;
      for (const filter of ['none', 'adaptive'] as const) {
        const png = encodePng({ width: 7, height: 3, channels, data: samples }, { filter });
        const back = await decodeImage(png, 'memory.png');
        assert.deepEqual([back.width, back.height, back.channels, back.depth], [7, 3, channels, 8]);
        assert.deepEqual(Array.from(back.data), Array.from(samples));
      }
    });
  }

  it('decodes grey and RGB JPEGs through sharp (grey stays one channel)', async () => {
    const dir = tempDir('dsi-img-');
    const flat = new Uint8Array(8 * 8).fill(200);
    const grey = decodeImage(fs.readFileSync(await writeImage(path.join(dir, 'g.jpg'), flat, 8, 8, 1)), 'g.jpg');
    const rgbSamples = new Uint8Array(8 * 8 * 3).map((_, i) => [10, 120, 240][i % 3]!);
    const rgb = decodeImage(fs.readFileSync(await writeImage(path.join(dir, 'c.jpeg'), rgbSamples, 8, 8, 3)), 'c.jpeg');
    const [g, c] = await Promise.all([grey, rgb]);
    assert.deepEqual([g.channels, g.depth, g.format, g.width, g.height], [1, 8, 'jpeg', 8, 8]);
    assert.ok(Array.from(g.data).every((v) => Math.abs(v - 200) <= 1), 'a flat grey JPEG decodes flat');
    assert.deepEqual([c.channels, c.format], [3, 'jpeg']);
    assert.ok(Math.abs(c.data[0]! - 10) <= 3 && Math.abs(c.data[1]! - 120) <= 3 && Math.abs(c.data[2]! - 240) <= 3);
  });

  it('refuses bytes that are neither PNG nor JPEG, and a corrupt PNG, naming the file', async () => {
    const e1 = await rejectsWithCode(decodeImage(Buffer.from('GIF89a'), 'x.gif'), 'E_BAD_INPUT');
    assert.match(e1.message, /^x\.gif: not a PNG or JPEG/);
    const png = encodePng({ width: 4, height: 4, channels: 1, data: new Uint8Array(16) });
    const e2 = await rejectsWithCode(decodeImage(png.subarray(0, png.length - 20), 'cut.png'), 'E_BAD_INPUT');
    assert.match(e2.message, /^cut\.png: corrupt PNG/);
  });
});

async function openStore(): Promise<{ store: Store; dir: string }> {
  const dir = tempDir('dsi-img-');
  return { store: await openDsiStore(path.join(dir, 'dsi.db')), dir };
}

describe('image folder reader', () => {
  it('makes one row per PNG and JPEG, with size, channels, bit depth, mean intensity, SHA-256 and FILE, in path order', async () => {
    const { store, dir } = await openStore();
    try {
      const folder = path.join(dir, 'shots');
      fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
      fs.mkdirSync(path.join(folder, '.hidden'));
      const expected: Record<string, { channels: number; depth: number; mean: number }> = {};
      for (const v of PNG_VARIANTS) {
        const samples = ramp(4 * 3 * v.channels, v.depth);
        await writeImage(path.join(folder, v.name), samples, 4, 3, v.channels, v.depth);
        expected[v.name] = { channels: v.channels, depth: v.depth, mean: expectedMean(samples, v.channels, v.depth) };
      }
      await writeImage(path.join(folder, 'sub', 'photo.JPG'), new Uint8Array(4 * 3 * 3).fill(128), 4, 3, 3);
      await writeImage(path.join(folder, '.hidden', 'skip.png'), new Uint8Array(4), 2, 2, 1);
      fs.writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
      const result = await store.read([folder], { reader: 'images' });
      assert.deepEqual(result, [{ table: 'shots', rows: PNG_VARIANTS.length + 1 }]);
      const info = await store.describe('shots');
      assert.deepEqual(info.columns.map((c) => c.name), ['name', 'format', 'width', 'height', 'channels', 'bit_depth', 'mean_intensity', 'sha256', 'FILE']);
      const rows = await store.getTable('shots');
      const names = rows.map((r) => r['name']);
      assert.deepEqual(names, [...names].sort());
      assert.ok(!names.includes('.hidden/skip.png'));
      for (const r of rows) {
        const file = path.join(dir, r['FILE'] as string);
        assert.equal(r['FILE'], `shots/${r['name'] as string}`);
        assert.equal(r['sha256'], crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
        assert.deepEqual([r['width'], r['height']], [4, 3]);
        const want = expected[r['name'] as string];
        if (want) {
          assert.deepEqual([r['format'], r['channels'], r['bit_depth']], ['png', want.channels, want.depth], String(r['name']));
          assert.ok(Math.abs((r['mean_intensity'] as number) - want.mean) < 1e-12, `${String(r['name'])} mean`);
        } else {
          assert.deepEqual([r['name'], r['format'], r['channels'], r['bit_depth']], ['sub/photo.JPG', 'jpeg', 3, 8]);
          assert.ok(Math.abs((r['mean_intensity'] as number) - 128 / 255) < 0.01);
        }
      }
    } finally {
      await store.close();
    }
  });

  it('adds parameters from a side-car CSV (typed per column) and from a file-name pattern', async () => {
    const { store, dir } = await openStore();
    try {
      const folder = path.join(dir, 'runs');
      fs.mkdirSync(folder);
      for (const [sim, t] of [[1, '0.5'], [1, '1.0'], [2, '0.5']] as const) {
        await writeImage(path.join(folder, `sim${sim}_t${t}.png`), new Uint8Array(4).fill(sim * 50), 2, 2, 1);
      }
      fs.writeFileSync(path.join(folder, 'params.csv'), 'file,temperature,material,code\nsim1_t0.5.png,300,steel,007\nsim1_t1.0.png,310.5,steel,8\nsim2_t0.5.png,290,"glass, coated",x9\n');
      await store.read([folder], { reader: 'images', table: 'runs', readerOptions: { pattern: 'sim{sim}_t{time}.png' } });
      const info = await store.describe('runs');
      const types = Object.fromEntries(info.columns.map((c) => [c.name, c.declaredType]));
      assert.deepEqual(info.columns.map((c) => c.name).slice(-6), ['temperature', 'material', 'code', 'sim', 'time', 'FILE']);
      assert.deepEqual([types['temperature'], types['material'], types['code'], types['sim'], types['time']], ['FLOAT', 'VARCHAR', 'VARCHAR', 'INTEGER', 'FLOAT']);
      const rows: Row[] = await store.query('SELECT name, temperature, material, code, sim, time FROM runs ORDER BY name');
      assert.deepEqual(rows.map((r) => Object.values(r)), [
        ['sim1_t0.5.png', 300, 'steel', '007', 1, 0.5],
        ['sim1_t1.0.png', 310.5, 'steel', '8', 1, 1],
        ['sim2_t0.5.png', 290, 'glass, coated', 'x9', 2, 0.5],
      ]);
    } finally {
      await store.close();
    }
  });

  it('reads a single image file given by its extension, as a folder of one', async () => {
    const { store, dir } = await openStore();
    try {
      const file = await writeImage(path.join(dir, 'one.png'), new Uint8Array(9).fill(7), 3, 3, 1);
      await store.read([file], { table: 'one' });
      const rows = await store.getTable('one');
      assert.deepEqual([rows.length, rows[0]!['name'], rows[0]!['FILE']], [1, 'one.png', 'one.png']);
    } finally {
      await store.close();
    }
  });
});

interface BadFolder {
  readonly what: string;
  /** Fill `folder`; return the file the message must name, the line if any, the options. */
  readonly make: (folder: string) => Promise<{ names: string; line?: number; options?: Record<string, unknown> }>;
  readonly message: RegExp;
}

const BAD: BadFolder[] = [
  {
    what: 'a corrupt PNG among good ones',
    make: async (folder) => {
      const bytes = encodePng({ width: 8, height: 8, channels: 1, data: new Uint8Array(64).fill(3) });
      const bad = path.join(folder, 'b.png');
      fs.writeFileSync(bad, Buffer.concat([bytes.subarray(0, 40), Buffer.alloc(10, 0xee), bytes.subarray(50)]));
      return { names: bad };
    },
    message: /corrupt PNG/,
  },
  {
    what: 'a truncated PNG',
    make: async (folder) => {
      const bytes = encodePng({ width: 8, height: 8, channels: 3, data: new Uint8Array(192).fill(9) });
      const bad = path.join(folder, 'c.png');
      fs.writeFileSync(bad, bytes.subarray(0, bytes.length - 16));
      return { names: bad };
    },
    message: /corrupt PNG/,
  },
  {
    what: 'a file named .png that is not an image',
    make: async (folder) => {
      const bad = path.join(folder, 'fake.png');
      fs.writeFileSync(bad, 'hello');
      return { names: bad };
    },
    message: /not a PNG or JPEG image/,
  },
  {
    what: 'a corrupt JPEG',
    make: async (folder) => {
      const bad = path.join(folder, 'd.jpg');
      fs.writeFileSync(bad, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 1, 2, 3]));
      return { names: bad };
    },
    message: /corrupt JPEG/,
  },
  {
    what: 'a side-car CSV naming an image that is not there',
    make: async (folder) => {
      const sidecar = path.join(folder, 'params.csv');
      fs.writeFileSync(sidecar, 'file,t\na.png,1\nmissing.png,2\n');
      return { names: sidecar, line: 3 };
    },
    message: /names "missing\.png", which is not a PNG or JPEG image in/,
  },
  {
    what: 'a side-car CSV naming an image twice',
    make: async (folder) => {
      const sidecar = path.join(folder, 'side.csv');
      fs.writeFileSync(sidecar, 'image,t\na.png,1\n\na.png,2\n');
      return { names: sidecar, line: 4, options: { params: sidecar } };
    },
    message: /names "a\.png" again \(first on data row 1\)/,
  },
  {
    what: 'a side-car CSV with a ragged row',
    make: async (folder) => {
      const sidecar = path.join(folder, 'params.csv');
      fs.writeFileSync(sidecar, 'file,t\na.png,1,extra\n');
      return { names: sidecar, line: 2 };
    },
    message: /field/,
  },
  {
    what: 'a file name the pattern does not match',
    make: async (folder) => ({ names: path.join(folder, 'a.png'), options: { pattern: 'sim{sim}.png' } }),
    message: /does not match the pattern "sim\{sim\}\.png"/,
  },
];

describe('image folder reader: bad input changes nothing', () => {
  for (const c of BAD) {
    it(`${c.what}: E_BAD_INPUT naming the file${'line' in c ? '' : ''}; the store unchanged`, async () => {
      const { store, dir } = await openStore();
      try {
        const folder = path.join(dir, 'imgs');
        fs.mkdirSync(folder);
        await writeImage(path.join(folder, 'a.png'), new Uint8Array(16).fill(1), 4, 4, 1);
        await store.read([folder], { reader: 'images', table: 'imgs' }); // earlier rows that must survive
        const before = await dumpStore(store);
        const { names, line, options } = await c.make(folder);
        const e = await rejectsWithCode(store.read([folder], { reader: 'images', table: 'imgs', ...(options ? { readerOptions: options } : {}) }), 'E_BAD_INPUT');
        const where = line === undefined ? `${names}:` : `${names}:${line}:`;
        assert.ok(e.message.startsWith(where), `the message starts with ${where}: ${e.message}`);
        assert.match(e.message, c.message);
        assert.deepEqual(await dumpStore(store), before);
        assert.equal(fs.existsSync(path.join(dir, 'dsi.data')), false, 'no data folder: the images reader copies nothing');
      } finally {
        await store.close();
      }
    });
  }

  it('refuses unknown options and a malformed pattern with E_BAD_ARGUMENT', async () => {
    const { store, dir } = await openStore();
    try {
      await writeImage(path.join(dir, 'a.png'), new Uint8Array(4), 2, 2, 1);
      await rejectsWithCode(store.read([dir], { reader: 'images', readerOptions: { colour: 'yes' } }), 'E_BAD_ARGUMENT');
      const e = await rejectsWithCode(store.read([dir], { reader: 'images', readerOptions: { pattern: 'plain.png' } }), 'E_BAD_ARGUMENT');
      assert.match(e.message, /names no parameter/);
    } finally {
      await store.close();
    }
  });
});

describe('dsi read and write with reader and writer options', () => {
  it('dsi read FOLDER --reader images --option pattern=…; dsi write NAME.cdb --option files=link', async () => {
    const dir = tempDir('dsi-img-cli-');
    const folder = path.join(dir, 'runs');
    fs.mkdirSync(folder);
    await writeImage(path.join(folder, 'sim4_t2.png'), new Uint8Array(4).fill(1), 2, 2, 1);
    const db = path.join(dir, 'cli.db');
    const read = spawnSync(process.execPath, [CLI, '--db', db, 'read', folder, '--reader', 'images', '--option', 'pattern=sim{sim}_t{t}.png', '--json'], { encoding: 'utf8' });
    assert.equal(read.status, 0, read.stderr);
    assert.deepEqual(JSON.parse(read.stdout), [{ table: 'runs', rows: 1, total: 1 }]);
    const write = spawnSync(process.execPath, [CLI, '--db', db, 'write', path.join(dir, 'out.cdb'), '--table', 'runs', '--option', 'files=link'], { encoding: 'utf8' });
    assert.equal(write.status, 0, write.stderr);
    const csv = fs.readFileSync(path.join(dir, 'out.cdb', 'data.csv'), 'utf8').split('\n');
    assert.match(csv[0]!, /^name,format,width,height,channels,bit_depth,mean_intensity,sha256,sim,t,FILE$/);
    assert.match(csv[1]!, /,4,2,runs\/sim4_t2\.png$/);
    assert.equal(fs.statSync(path.join(dir, 'out.cdb', 'runs', 'sim4_t2.png')).nlink, 2, 'a hard link');
    const bad = spawnSync(process.execPath, [CLI, '--db', db, 'read', folder, '--reader', 'images', '--option', 'pattern'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^dsi: --option takes key=value, got "pattern"/);
  });
});
