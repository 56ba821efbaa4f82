/**
 * Inputs made to hurt: a repository whose configuration names commands, remote URLs holding
 * credentials, image and IDX files that declare far more pixels than they hold, documents nested
 * past any sensible depth, invalid UTF-8, binary files given to text readers, `__proto__` keys and
 * NUL bytes in column names. Each is refused (or read correctly) with a message naming the file,
 * before any large allocation, and the store is left as it was.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { StoreError } from '../src/errors.js';
import { decodeImage } from '../src/images/decode-image.js';
import { readIdxBytes } from '../src/images/idx-file.js';
import { loadImages } from '../src/images/load-images.js';
import { decodePng } from '../src/images/png-codec.js';
import { envReader } from '../src/readers/env-reader.js';
import { remoteWithoutCredentials } from '../src/readers/git-state.js';
import type { RawCell, ReadContext, Reader } from '../src/store/reader.js';
import { HAS_GIT, rejectsWithCode, removeTempDirs, tempDir, withStore, writeFile } from './helpers/store-helpers.js';

after(removeTempDirs);

const context: ReadContext = { tableName: undefined, maxInteger: async () => null };

/** Every table a reader gives for `file`, rows gathered. */
async function readAll(reader: Reader, file: string, ctx: ReadContext = context): Promise<Record<string, { columns: string[]; rows: RawCell[][] }>> {
  const result = await reader.read(file, ctx);
  const out: Record<string, { columns: string[]; rows: RawCell[][] }> = {};
  for (const source of result.tables) {
    const rows: RawCell[][] = [];
    await source.forEachBatch((batch) => {
      rows.push(...batch);
    });
    out[source.table] = { columns: [...source.columns], rows };
  }
  return out;
}

describe('env reader: the repository is data, never code', () => {

  it('runs no core.fsmonitor or filter command from .git/config (a filter named a=b too), and stores the remote without its token', { skip: !HAS_GIT && 'git is not installed' }, async () => {
    const dir = tempDir();
    const repo = path.join(dir, 'repo');
    fs.mkdirSync(repo);
    const markers = ['fsmonitor', 'clean', 'process', 'equals-clean'].map((m) => path.join(dir, `${m}-ran`));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { stdio: 'ignore', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    git('init', '-q');
    fs.writeFileSync(path.join(repo, 'data.txt'), 'one\n');
    fs.writeFileSync(path.join(repo, 'data.dat'), 'one\n');
    // `-c filter.a=b.clean=` would split at the first '=' and leave this driver in force.
    fs.writeFileSync(path.join(repo, '.gitattributes'), '*.txt filter=evil\n*.dat filter=a=b\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    git('config', 'core.fsmonitor', `touch ${markers[0]}; false`);
    git('config', 'filter.evil.clean', `touch ${markers[1]}; cat`);
    git('config', 'filter.evil.process', `touch ${markers[2]}`);
    git('config', 'filter.a=b.clean', `touch ${markers[3]}; cat`);
    git('remote', 'add', 'origin', 'https://alice:ghp_secret123@example.com/lab/run.git');
    fs.writeFileSync(path.join(repo, 'data.txt'), 'two, longer\n');
    // Same size, new content: only hashing through the clean filter tells whether it changed.
    fs.writeFileSync(path.join(repo, 'data.dat'), 'two\n');
    fs.utimesSync(path.join(repo, 'data.dat'), new Date(2004, 0, 1), new Date(2004, 0, 1));

    const row = (await readAll(envReader, repo))['env']!;
    const cell = (name: string) => row.rows[0]![row.columns.indexOf(name)];
    for (const marker of markers) assert.equal(fs.existsSync(marker), false, `${path.basename(marker)}: the repository's command ran`);
    assert.equal(cell('git_remote'), 'https://example.com/lab/run.git');
    assert.equal(cell('git_dirty'), 1);
    assert.match(String(cell('git_commit')), /^[0-9a-f]{40}$/);
  });

  it('strips credentials from https, ssh and scp-like remote URLs and leaves paths alone', () => {
    const cases: [string, string][] = [
      ['https://user:token@host.org/a/b.git', 'https://host.org/a/b.git'],
      ['https://ghp_onlytoken@github.com/o/r', 'https://github.com/o/r'],
      ['http://u:p@host:8080/r?x=1', 'http://host:8080/r'],
      ['https://gitlab.example.org/lab/r.git?private_token=glpat-SECRET#top', 'https://gitlab.example.org/lab/r.git'],
      ['https://host.org/a@b.git', 'https://host.org/a@b.git'],
      ['ssh://git:hunter2@host.org:22/r.git', 'ssh://git@host.org:22/r.git'],
      ['git+ssh://git@host.org/r.git', 'git+ssh://git@host.org/r.git'],
      ['git:hunter2@github.com:o/r.git', 'git@github.com:o/r.git'],
      ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
      ['/srv/git/r.git', '/srv/git/r.git'],
      ['../r@x', '../r@x'],
    ];
    for (const [url, expected] of cases) assert.equal(remoteWithoutCredentials(url), expected, url);
  });
});

/** A PNG chunk: length, type, data, CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(zlib.crc32 ? zlib.crc32(body) : crc32(body), body.length + 4);
  return out;
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A grey 8-bit PNG declaring `width × height` whose image data holds `rows` rows of `value`. */
function greyPng(width: number, height: number, rows: number, value = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // depth
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width, value)]);
  const idat = zlib.deflateSync(Buffer.concat(Array.from({ length: rows }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('image limits: refused from the header, before decoding', () => {
  it('a small PNG declaring 20000 × 20000 pixels is refused by the images reader naming the file and the limit; the store is unchanged', async () => {
    const bomb = greyPng(20000, 20000, 2);
    assert.ok(bomb.length < 2000, `the bomb is ${bomb.length} bytes`);
    await withStore('sqlite', async ({ store, dir }) => {
      const folder = path.join(dir, 'imgs');
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'a.png'), greyPng(4, 4, 4, 7));
      fs.writeFileSync(path.join(folder, 'bomb.png'), bomb);
      const e = await rejectsWithCode(store.read(folder, { reader: 'images' }), 'E_BAD_INPUT');
      assert.match(e.message, /bomb\.png: declares 20000 × 20000 = 400,000,000 pixels, more than the limit of 89,478,485 \(maxPixels\)/);
      assert.deepEqual(await store.list(), []);
    });
  });

  it('maxPixels is an option: the images reader, decodeImage and loadImages take it, and a bad value names it', async () => {
    const png = greyPng(10, 10, 10, 3);
    await assert.rejects(decodeImage(png, 'ten.png', { maxPixels: 99 }), /ten\.png: declares 10 × 10 = 100 pixels, more than the limit of 99 \(maxPixels\)/);
    assert.equal((await decodeImage(png, 'ten.png', { maxPixels: 100 })).width, 10);
    assert.throws(() => decodePng(png, 'ten.png', { maxPixels: 50 }), /limit of 50/);
    await withStore('sqlite', async ({ store, dir }) => {
      const folder = path.join(dir, 'imgs');
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'ten.png'), png);
      await rejectsWithCode(store.read(folder, { reader: 'images', readerOptions: { maxPixels: '99' } }), 'E_BAD_INPUT');
      const bad = await rejectsWithCode(store.read(folder, { reader: 'images', readerOptions: { maxPixels: 'lots' } }), 'E_BAD_ARGUMENT');
      assert.match(bad.message, /images reader: maxPixels must be a whole number of pixels/);
      await store.read(folder, { reader: 'images', readerOptions: { maxPixels: '100' } });
      await rejectsWithCode(loadImages(store, 'SELECT FILE FROM imgs', { maxPixels: 99, cache: false }), 'E_BAD_INPUT');
      assert.equal((await loadImages(store, 'SELECT FILE FROM imgs', { maxPixels: 100, cache: false })).width, 10);
    });
  });

  it('a JPEG over the limit is refused from its header too', async () => {
    const { default: sharp } = await import('sharp');
    const jpeg = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    await assert.rejects(decodeImage(jpeg, 'wide.jpg', { maxPixels: 599 }), /wide\.jpg: declares 30 × 20 = 600 pixels, more than the limit of 599/);
    assert.equal((await decodeImage(jpeg, 'wide.jpg', { maxPixels: 600 })).width, 30);
  });

  it('a PNG whose image data ends before its last row is an error naming the file, never a black image', () => {
    // Two of four rows, all zeros: the decoder alone would return a 4 × 4 black image.
    assert.throws(() => decodePng(greyPng(4, 4, 2, 0), 'short.png'), /short\.png: corrupt PNG: its image data inflates to 10 of the 20 bytes that 4 × 4 pixels need/);
    const e = (() => {
      try {
        decodePng(greyPng(4, 4, 2, 0), 'short.png');
      } catch (error) {
        return error as StoreError;
      }
      return undefined;
    })();
    assert.equal(e?.code, 'E_BAD_INPUT');
    assert.equal(e?.file, 'short.png');
    const whole = greyPng(4, 4, 4, 0);
    assert.throws(() => decodePng(whole.subarray(0, whole.length - 12), 'cut.png'), /cut\.png: corrupt PNG: truncated: the file ends after \d+ bytes, before its IEND chunk/);
    assert.deepEqual(Array.from(decodePng(whole, 'whole.png').data), new Array(16).fill(0));
  });
});

/** A gzip IDX image file whose header declares `declared` images of 28 × 28 and whose body holds `held`. */
function idxImagesGz(declared: number, held: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(2051, 0);
  header.writeUInt32BE(declared, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  return zlib.gzipSync(Buffer.concat([header, Buffer.alloc(held * 28 * 28)]));
}

describe('IDX gzip: never inflated beyond what the header declares', () => {
  it('a gzip of zeros holding far more than its header declares is refused, naming the declared size', async () => {
    const bomb = idxImagesGz(2, 20000); // 15.7 MB inflated from about 15 KB
    assert.ok(bomb.length < 40_000);
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'train-images-idx3-ubyte.gz', bomb);
      const e = await rejectsWithCode(store.read(file, { reader: 'idx' }), 'E_BAD_INPUT');
      assert.match(e.message, /train-images-idx3-ubyte\.gz: the gzip stream holds more than the 1584 bytes its header declares \(2 × 28 × 28\); refused without inflating the rest/);
      assert.deepEqual(await store.list(), []);
    });
    assert.throws(() => readIdxBytes(writeFile(tempDir(), 'x.gz', bomb)), /holds more than the 1584 bytes/);
  });

  it('a gzip holding fewer images than its header declares is truncated, naming the file', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'train-images-idx3-ubyte.gz', idxImagesGz(10, 3));
      const e = await rejectsWithCode(store.read(file, { reader: 'idx' }), 'E_BAD_INPUT');
      assert.match(e.message, /train-images-idx3-ubyte\.gz: truncated: the header declares 10 × 28 × 28 \(7840 bytes of data\), the file holds 2352/);
      assert.deepEqual(await store.list(), []);
    });
  });

  it('an honest gzip IDX file still reads: 3 declared, 3 held', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'train-images-idx3-ubyte.gz', idxImagesGz(3, 3)), { reader: 'idx' });
      assert.deepEqual((await store.list()).map((t) => [t.table, t.rows]), [['images', 3]]);
    });
  });
});

describe('nesting: a clear error naming the file and the limit, not a stack overflow', () => {
  it('JSON nested 100,000 deep is refused with its file, line and the limit of 512', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'deep.json', `{"a":\n${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
      const e = await rejectsWithCode(store.read(file), 'E_BAD_INPUT');
      assert.equal(e.message, `${file}:2: nested more than 512 levels deep (arrays and objects within each other); the limit is 512`);
      assert.deepEqual(await store.list(), []);
    });
  });

  it('JSON nested exactly 512 deep still reads', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'ok.json', `[{"a": ${'['.repeat(510)}1${']'.repeat(510)}}]`));
      assert.equal((await store.getTable('ok')).length, 1);
    });
  });

  it('YAML nested 600 deep (flow and block) is refused naming the file and the limit', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const flow = writeFile(dir, 'flow.yaml', `a: ${'['.repeat(600)}${']'.repeat(600)}\n`);
      assert.match((await rejectsWithCode(store.read(flow), 'E_BAD_INPUT')).message, /flow\.yaml: nested more than 512 levels deep.*the limit is 512/);
      const block = writeFile(dir, 'block.yaml', Array.from({ length: 600 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n');
      assert.match((await rejectsWithCode(store.read(block), 'E_BAD_INPUT')).message, /block\.yaml: nested more than 512 levels deep/);
      // Deep enough that the parser's own recursion overflows before any value is built.
      const deeper = writeFile(dir, 'deeper.yaml', `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
      assert.match((await rejectsWithCode(store.read(deeper), 'E_BAD_INPUT')).message, /deeper\.yaml: nested more than 512 levels deep/);
      const deeper1 = writeFile(dir, 'deeper1.yml', `segment: t\na: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
      assert.match((await rejectsWithCode(store.read(deeper1, { reader: 'yaml1' }), 'E_BAD_INPUT')).message, /deeper1\.yml: nested more than 512 levels deep/);
      assert.deepEqual(await store.list(), []);
    });
  });
});

describe('text encodings: invalid UTF-8 fails with file and line, or reads as the user says', () => {
  const latin1Csv = Buffer.concat([Buffer.from('name,city\nann,Paris\nbob,K'), Buffer.from([0xf6]), Buffer.from('ln\n')]);

  it('a CSV with a Latin-1 byte on line 3 fails naming file and line, and reads with encoding=latin1', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'towns.csv', latin1Csv);
      const e = await rejectsWithCode(store.read(file), 'E_BAD_INPUT');
      assert.match(e.message, /^.*towns\.csv:3: invalid UTF-8 \(byte 0xf6 at byte offset 25\); if the file is Latin-1, read it with the reader option encoding=latin1$/);
      assert.deepEqual(await store.list(), []);
      await store.read(file, { readerOptions: { encoding: 'latin1' } });
      assert.deepEqual((await store.getTable('towns')).map((r) => r['city']), ['Paris', 'Köln']);
      await rejectsWithCode(store.read(file, { readerOptions: { encoding: 'ebcdic' } }), 'E_BAD_ARGUMENT');
    });
  });

  it('the parsing worker (large files) reports the same file and line', async () => {
    const before = process.env['DSI_CSV_WORKER_MIN_BYTES'];
    process.env['DSI_CSV_WORKER_MIN_BYTES'] = '0';
    try {
      await withStore('sqlite', async ({ store, dir }) => {
        const file = writeFile(dir, 'towns.csv', latin1Csv);
        assert.match((await rejectsWithCode(store.read(file), 'E_BAD_INPUT')).message, /towns\.csv:3: invalid UTF-8 \(byte 0xf6/);
      });
    } finally {
      if (before === undefined) delete process.env['DSI_CSV_WORKER_MIN_BYTES'];
      else process.env['DSI_CSV_WORKER_MIN_BYTES'] = before;
    }
  });

  it('JSON, YAML and TOML with invalid UTF-8 fail naming file and line; encoding=latin1 reads them', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const docs: [string, string][] = [
        ['j.json', '[\n{"city": "K\u00f6ln"}\n]\n'],
        ['y.yaml', 'x: 1\ncity: K\u00f6ln\n'],
        ['t.toml', 'x = 1\ncity = "K\u00f6ln"\n'],
      ];
      for (const [name, text] of docs) {
        const file = writeFile(dir, name, Buffer.from(text, 'latin1'));
        const e = await rejectsWithCode(store.read(file), 'E_BAD_INPUT');
        assert.match(e.message, new RegExp(`${name.replace('.', '\\.')}:2: invalid UTF-8 \\(byte 0xf6`), name);
        await store.read(file, { readerOptions: { encoding: 'latin1' } });
        assert.equal((await store.getTable(name.split('.')[0]!))[0]!['city'], 'Köln', name);
      }
    });
  });
});

describe('binary files given to text readers: "looks binary", and no echo of their bytes', () => {
  const binary = Buffer.concat([greyPng(64, 64, 64, 200), crypto.randomBytes(20_000)]);
  for (const [reader, ext] of [['csv', 'csv'], ['json', 'json'], ['yaml', 'yaml'], ['toml', 'toml']] as const) {
    it(`the ${reader} reader refuses a PNG named .${ext} as binary, in a short message naming the file`, async () => {
      await withStore('sqlite', async ({ store, dir }) => {
        const file = writeFile(dir, `picture.${ext}`, binary);
        const e = await rejectsWithCode(store.read(file, { reader }), 'E_BAD_INPUT');
        assert.match(e.message, new RegExp(`^.*picture\\.${ext}: looks binary \\(a NUL byte at byte \\d+ among bytes that are not text\\), not a file the ${reader} reader can read$`));
        assert.ok(e.message.length < file.length + 120, e.message);
        assert.deepEqual(await store.list(), []);
      });
    });
  }

  it('errors quoting input cut it to a few dozen characters (a huge bare JSON string, huge duplicate CSV headers)', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const json = writeFile(dir, 'big.json', JSON.stringify('x'.repeat(50_000)));
      const e1 = await rejectsWithCode(store.read(json), 'E_BAD_INPUT');
      assert.ok(e1.message.length < json.length + 150, `${e1.message.length} characters`);
      const long = 'h'.repeat(10_000);
      const csv = writeFile(dir, 'dup.csv', `${long},${long}\n1,2\n`);
      const e2 = await rejectsWithCode(store.read(csv), 'E_BAD_INPUT');
      assert.match(e2.message, /columns 1 \("h{40}…"\) and 2 \("h{40}…"\) have the same name/);
      assert.ok(e2.message.length < csv.length + 250, `${e2.message.length} characters`);
    });
  });
});

describe('keys that are special in JavaScript are ordinary columns', () => {
  it('a JSON key __proto__ is kept as a column, stored, returned by getTable, query and find', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'p.json', '[{"__proto__": 5, "a": 1, "nested": {"__proto__": 7}}, {"__proto__": 6, "a": 2}]'));
      assert.deepEqual((await store.describe('p')).columns.map((c) => c.name), ['__proto__', 'a', 'nested___proto__']);
      const rows = await store.getTable('p');
      assert.deepEqual(rows.map((r) => [Object.getOwnPropertyDescriptor(r, '__proto__')?.value, r['a'], r['nested___proto__']]), [
        [5, 1, 7],
        [6, 2, null],
      ]);
      assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype);
      const found = await store.find('__proto__ = 6');
      assert.deepEqual(found.map((r) => [r.dsi_row_index, Object.getOwnPropertyDescriptor(r, '__proto__')?.value]), [[2, 6]]);
      const queried = await store.query('SELECT "__proto__" FROM p ORDER BY a');
      assert.deepEqual(queried.map((r) => Object.keys(r)), [['__proto__'], ['__proto__']]);
    });
  });

  it('a YAML1 and a TOML __proto__ key is kept too', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'y1.yml', 'segment: seg\n__proto__: 3\nb: 4\n'), { reader: 'yaml1' });
      assert.deepEqual((await store.describe('seg')).columns.map((c) => c.name), ['__proto__', 'b']);
      await store.read(writeFile(dir, 't.toml', '__proto__ = 8\nb = 9\n'));
      assert.deepEqual((await store.describe('t')).columns.map((c) => c.name), ['__proto__', 'b']);
    });
  });
});

describe('NUL bytes in column names', () => {
  it('a CSV header and a JSON key holding NUL are refused naming the file and the column', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const csv = writeFile(dir, 'n.csv', 'ok,bad\u0000name\n1,2\n');
      const e1 = await rejectsWithCode(store.read(csv), 'E_BAD_INPUT');
      assert.equal(e1.message, `${csv}:1: column 2 ("bad\\x00name") has a NUL character in its name; no column name may hold one`);
      const json = writeFile(dir, 'n.json', '[{"a\\u0000b": 1}]');
      const e2 = await rejectsWithCode(store.read(json), 'E_BAD_INPUT');
      assert.match(e2.message, /n\.json(:\d+)?: column 1 \("a\\x00b"\) has a NUL character in its name/);
      assert.deepEqual(await store.list(), []);
    });
  });
});
