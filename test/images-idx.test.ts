/**
 * The IDX reader: one PNG in the data folder and one row per image, pixels equal to the IDX bytes,
 * ids unique in the table; every malformed input fails naming the file and leaves the store and
 * its data folder exactly as they were (no rows, no PNGs, no staging folder).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { Store, openStore as openDsiStore, readIdxImages } from '../src/index.js';
import type { Row } from '../src/index.js';
import { filesUnder, idxBytes, syntheticPixels, writeIdxPair } from './helpers/image-fixtures.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

async function openStore(): Promise<{ store: Store; dir: string; data: string }> {
  const dir = tempDir('dsi-idx-');
  const store = await openDsiStore(path.join(dir, 'dsi.db'));
  return { store, dir, data: path.join(dir, 'dsi.data') };
}

/** The grey samples of a PNG, decoded by sharp (not the decoder the store uses). */
async function greyPixels(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('IDX reader', () => {
  for (const gzip of [false, true]) {
    it(`turns each image of a ${gzip ? 'gzip' : 'raw'} IDX file into a PNG whose pixels equal the IDX bytes, and a row`, async () => {
      const { store, dir, data } = await openStore();
      try {
        const pair = writeIdxPair(dir, 'train', 7, 5, 4, { gzip });
        const result = await store.read([pair.images], { reader: 'idx', table: 'digits' });
        assert.deepEqual(result, [{ table: 'digits', rows: 7 }]);
        const info = await store.describe('digits');
        assert.deepEqual(info.columns.map((c) => c.name), ['id', 'split', 'index', 'label', 'label_name', 'width', 'height', 'FILE']);
        const rows = await store.getTable('digits');
        assert.equal(rows.length, 7);
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!;
          assert.equal(r['id'], i + 1);
          assert.equal(r['split'], 'train');
          assert.equal(r['index'], i);
          assert.equal(r['label'], pair.labelValues[i]);
          assert.equal(r['label_name'], null);
          assert.equal(r['width'], 4);
          assert.equal(r['height'], 5);
          assert.equal(r['FILE'], `dsi.data/digits/train/${String(i + 1).padStart(6, '0')}.png`);
          const png = await greyPixels(path.join(dir, r['FILE'] as string));
          assert.equal(png.width, 4);
          assert.equal(png.height, 5);
          assert.deepEqual(new Uint8Array(png.data), pair.pixels.subarray(i * 20, (i + 1) * 20), `pixels of image ${i}`);
        }
        assert.deepEqual(filesUnder(data).length, 7, 'seven PNGs and nothing else in the data folder');
      } finally {
        await store.close();
      }
    });
  }

  it('continues ids after the largest one in the table, takes the split from the file name, names labels', async () => {
    const { store, dir } = await openStore();
    try {
      const train = writeIdxPair(dir, 'train', 3, 2, 2);
      const test = writeIdxPair(dir, 't10k', 2, 2, 2, { gzip: true });
      const names = ['zero', 'one', 'two'];
      await store.read([train.images, test.images], { reader: 'idx', table: 'set', readerOptions: { labelNames: [...names, 'x', 'x', 'x', 'x', 'x', 'x', 'x'] } });
      const rows = await store.query('SELECT id, split, "index", label, label_name, FILE FROM "set" ORDER BY id');
      assert.deepEqual(
        rows.map((r) => [r['id'], r['split'], r['index'], r['label'], r['label_name']]),
        [
          [1, 'train', 0, 0, 'zero'],
          [2, 'train', 1, 1, 'one'],
          [3, 'train', 2, 2, 'two'],
          [4, 'test', 0, 0, 'zero'],
          [5, 'test', 1, 1, 'one'],
        ],
      );
      assert.equal(rows[3]!['FILE'], 'dsi.data/set/test/000004.png');
      // A later read appends with fresh ids and its own files.
      await store.read([test.images], { reader: 'idx', table: 'set', readerOptions: { split: 'extra' } });
      const more = await store.query(`SELECT id, split, FILE FROM "set" WHERE split = 'extra' ORDER BY id`);
      assert.deepEqual(more.map((r) => r['id']), [6, 7]);
      assert.ok(fs.existsSync(path.join(dir, more[1]!['FILE'] as string)));
    } finally {
      await store.close();
    }
  });

  it('gives NULL labels when no label file is beside the image file, and reads one named with the labels option', async () => {
    const { store, dir } = await openStore();
    try {
      const sub = path.join(dir, 'elsewhere');
      fs.mkdirSync(sub);
      const pair = writeIdxPair(sub, 'train', 2, 3, 3);
      const lonely = path.join(dir, 'scans-images-idx3-ubyte');
      fs.copyFileSync(pair.images, lonely);
      await store.read([lonely], { reader: 'idx', table: 'a' });
      assert.deepEqual((await store.query('SELECT label, split FROM a')).map((r) => [r['label'], r['split']]), [[null, null], [null, null]]);
      await store.read([lonely], { reader: 'idx', table: 'b', readerOptions: { labels: pair.labels } });
      assert.deepEqual((await store.query('SELECT label FROM b ORDER BY id')).map((r) => r['label']), [0, 1]);
    } finally {
      await store.close();
    }
  });

  it('reads what the IDX parser reads: header sizes and the pixel body', () => {
    const dir = tempDir('dsi-idx-');
    const pair = writeIdxPair(dir, 'train', 3, 4, 5, { gzip: true });
    const images = readIdxImages(pair.images);
    assert.deepEqual([images.count, images.height, images.width], [3, 4, 5]);
    assert.deepEqual(new Uint8Array(images.pixels), pair.pixels);
  });

  it('needs a data folder: a store without a file refuses with a clear message', async () => {
    const dir = tempDir('dsi-idx-');
    const pair = writeIdxPair(dir, 'train', 1, 2, 2);
    const store = await openDsiStore(':memory:');
    try {
      const e = await rejectsWithCode(store.read([pair.images], { reader: 'idx' }), 'E_BAD_ARGUMENT');
      assert.match(e.message, /data folder/);
    } finally {
      await store.close();
    }
  });

  it('removes staging folders that processes killed mid-read left behind', async () => {
    const { store, dir, data } = await openStore();
    try {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      const abandoned = path.join(data, '.staging', `${dead}-0123456789ab`, 'x');
      fs.mkdirSync(abandoned, { recursive: true });
      fs.writeFileSync(path.join(abandoned, '000001.png'), 'half');
      const pair = writeIdxPair(dir, 'train', 2, 2, 2);
      await store.read([pair.images], { reader: 'idx', table: 't' });
      assert.deepEqual(filesUnder(data), ['t/train/000001.png', 't/train/000002.png']);
    } finally {
      await store.close();
    }
  });
});

interface BadIdx {
  readonly what: string;
  /** Write the inputs into `dir`; return the files to read (the last one is the bad one) and the file the message must name. */
  readonly make: (dir: string) => { read: string[]; names: string; options?: Record<string, unknown> };
  readonly message: RegExp;
}

const rawPair = (dir: string, prefix = 'train') => writeIdxPair(dir, prefix, 4, 3, 3);

const BAD: BadIdx[] = [
  {
    what: 'an image file cut short',
    make: (dir) => {
      const p = rawPair(dir);
      const bytes = fs.readFileSync(p.images);
      fs.writeFileSync(p.images, bytes.subarray(0, bytes.length - 5));
      return { read: [p.images], names: p.images };
    },
    message: /truncated: the header declares 4 × 3 × 3 \(36 bytes of data\), the file holds 31/,
  },
  {
    what: 'a gzip stream cut short',
    make: (dir) => {
      const p = writeIdxPair(dir, 'train', 4, 3, 3, { gzip: true });
      const bytes = fs.readFileSync(p.images);
      fs.writeFileSync(p.images, bytes.subarray(0, bytes.length - 10));
      return { read: [p.images], names: p.images };
    },
    message: /gzip stream is truncated or corrupt/,
  },
  {
    what: 'a header cut short',
    make: (dir) => {
      const p = rawPair(dir);
      fs.writeFileSync(p.images, fs.readFileSync(p.images).subarray(0, 9));
      return { read: [p.images], names: p.images };
    },
    message: /header is truncated/,
  },
  {
    what: 'an image file with the magic number of a label file',
    make: (dir) => {
      const p = rawPair(dir);
      fs.writeFileSync(p.images, idxBytes(2049, [36], syntheticPixels(4, 3, 3)));
      return { read: [p.images], names: p.images };
    },
    message: /magic number 2049 \(an IDX label file\); an IDX image file has 2051/,
  },
  {
    what: 'an image file with a magic number that is no IDX at all',
    make: (dir) => {
      const p = rawPair(dir);
      fs.writeFileSync(p.images, Buffer.concat([Buffer.from('GIF89a......'), Buffer.alloc(40)]));
      return { read: [p.images], names: p.images };
    },
    message: /magic number \d+ \(0x47494638, not an IDX image or label file\)/,
  },
  {
    what: 'a label file with the wrong magic number',
    make: (dir) => {
      const p = rawPair(dir);
      fs.writeFileSync(p.labels, idxBytes(2051, [4], Buffer.from([1, 2, 3, 4])));
      return { read: [p.images], names: p.labels };
    },
    message: /magic number 2051 \(an IDX image file\); an IDX label file has 2049/,
  },
  {
    what: 'a label file whose count differs from its image file',
    make: (dir) => {
      const p = rawPair(dir);
      fs.writeFileSync(p.labels, idxBytes(2049, [3], Buffer.from([1, 2, 3])));
      return { read: [p.images], names: p.labels };
    },
    message: /holds 3 labels but its image file train-images-idx3-ubyte holds 4 images/,
  },
  {
    what: 'bytes beyond what the header declares',
    make: (dir) => {
      const p = rawPair(dir);
      fs.appendFileSync(p.images, Buffer.from([1, 2]));
      return { read: [p.images], names: p.images };
    },
    message: /2 bytes follow the 4 × 3 × 3 the header declares/,
  },
  {
    what: 'a label with no class name',
    make: (dir) => {
      const p = rawPair(dir);
      return { read: [p.images], names: p.labels, options: { labelNames: ['a', 'b'] } };
    },
    message: /label 2 of image 2 has no name \(the class names are 0–1\)/,
  },
  {
    what: 'a good file whose PNGs were already staged, then a truncated one in the same read',
    make: (dir) => {
      const good = rawPair(dir, 'train');
      const bad = writeIdxPair(dir, 't10k', 4, 3, 3);
      fs.writeFileSync(bad.images, fs.readFileSync(bad.images).subarray(0, 30));
      return { read: [good.images, bad.images], names: bad.images };
    },
    message: /truncated/,
  },
];

describe('IDX reader: bad input changes nothing', () => {
  for (const c of BAD) {
    it(`${c.what}: E_BAD_INPUT naming the file; no rows, no PNGs, no staging folder`, async () => {
      const { store, dir, data } = await openStore();
      try {
        // Earlier content that must survive: a table and its PNGs.
        const earlier = path.join(dir, 'earlier');
        fs.mkdirSync(earlier);
        await store.read([writeIdxPair(earlier, 'train', 2, 3, 3).images], { reader: 'idx', table: 'digits' });
        const before = await dumpStore(store);
        const filesBefore = filesUnder(data);
        const { read, names, options } = c.make(dir);
        const e = await rejectsWithCode(store.read(read, { reader: 'idx', table: 'digits', ...(options ? { readerOptions: options } : {}) }), 'E_BAD_INPUT');
        assert.ok(e.message.startsWith(`${names}:`), `the message names ${names}: ${e.message}`);
        assert.equal(e.file, names);
        assert.match(e.message, c.message);
        assert.deepEqual(await dumpStore(store), before);
        assert.deepEqual(filesUnder(data), filesBefore);
      } finally {
        await store.close();
      }
    });
  }

  it('a foreign key violated at commit, after the PNGs were moved into place: no rows and the PNGs removed again', async () => {
    const { store, dir, data } = await openStore();
    try {
      fs.writeFileSync(path.join(dir, 'classes.csv'), 'label,name\n0,a\n1,b\n');
      await store.read([path.join(dir, 'classes.csv')], { table: 'classes' });
      fs.writeFileSync(path.join(dir, 'rel.json'), JSON.stringify({ classes: { primary_key: 'label' }, digits: { foreign_key: { label: ['classes', 'label'] } } }));
      await store.applySchema(path.join(dir, 'rel.json'));
      const before = await dumpStore(store);
      const pair = rawPair(dir); // labels 0…3: 2 and 3 have no class
      await rejectsWithCode(store.read([pair.images], { reader: 'idx', table: 'digits' }), 'E_SCHEMA');
      assert.deepEqual(await dumpStore(store), before);
      assert.deepEqual(filesUnder(data), []);
      assert.equal(fs.existsSync(data), false, 'the data folder the failed read made is gone');
    } finally {
      await store.close();
    }
  });
});

describe('IDX reader: the rows as the store holds them', () => {
  it('types: id, index, label, width, height INTEGER; split, FILE VARCHAR', async () => {
    const { store, dir } = await openStore();
    try {
      await store.read([writeIdxPair(dir, 'train', 2, 2, 2).images], { reader: 'idx', table: 't' });
      const info = await store.describe('t');
      const types = Object.fromEntries(info.columns.map((c) => [c.name, c.declaredType]));
      assert.deepEqual(types, { id: 'INTEGER', split: 'VARCHAR', index: 'INTEGER', label: 'INTEGER', label_name: 'INTEGER', width: 'INTEGER', height: 'INTEGER', FILE: 'VARCHAR' });
      const row: Row = (await store.getTable('t'))[0]!;
      assert.equal(typeof row['FILE'], 'string');
    } finally {
      await store.close();
    }
  });
});
