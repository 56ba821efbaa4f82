/**
 * Strict CSV (`strict: true`, `dsi read --strict`): what RFC 4180 does not allow is refused
 * naming the file and the line, where the default read makes sense of it; a file strict mode
 * accepts gives the same rows either way; and what the default already refuses stays refused.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Store, openStore } from '../src/index.js';
import { runDsi } from './helpers/cli-run.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

let dir: string;
let store: Store;
before(async () => {
  dir = tempDir('dsi-csv-strict-');
  store = await openStore(path.join(dir, 'dsi.db'));
});
after(async () => {
  await store.close();
  removeTempDirs();
});

/** Lenient inputs: what the default reads them as, and strict mode's line and message. */
const lenient: readonly { name: string; text: string; rows: unknown[]; line: number; message: RegExp }[] = [
  { name: 'empty_name', text: 'a,,c\n1,2,3\n', rows: [{ a: 1, column_2: 2, c: 3 }], line: 1, message: /column 2 of the header has no name/ },
  { name: 'bare_quote', text: 'a,b\n1,2\n3,4"\n', rows: [{ a: 1, b: '2' }, { a: 3, b: '4"' }], line: 3, message: /a quote inside an unquoted field/ },
  { name: 'blank_line', text: 'a,b\n1,2\n\n3,4\n', rows: [{ a: 1, b: 2 }, { a: 3, b: 4 }], line: 3, message: /a blank line between records/ },
];

describe('strict CSV', () => {
  for (const c of lenient) {
    it(`reads ${c.name} leniently by default and refuses it in strict mode at line ${c.line}`, async () => {
      const file = writeFile(dir, `${c.name}.csv`, c.text);
      const before = await dumpStore(store);
      const e = await rejectsWithCode(store.read(file, { strict: true }), 'E_BAD_INPUT');
      assert.match(e.message, new RegExp(`${c.name}\\.csv:${c.line}: `));
      assert.match(e.message, c.message);
      assert.deepEqual(await dumpStore(store), before);
      await store.read(file);
      assert.deepEqual(await store.getTable(c.name), c.rows);
    });
  }

  it('refuses in both modes, naming the line: a ragged row, an unterminated quote, duplicate header names', async () => {
    const cases = [
      { name: 'ragged', text: 'a,b\n1,2\n3\n', line: 3, message: /expected 2 fields as in the header, found 1/ },
      { name: 'unterminated', text: 'a,b\n1,2\n3,"4\n5,6\n', line: 3, message: /quote/ },
      { name: 'dupes', text: 'a,A\n1,2\n', line: 1, message: /same name/ },
    ];
    for (const c of cases) {
      const file = writeFile(dir, `${c.name}.csv`, c.text);
      for (const strict of [false, true]) {
        const e = await rejectsWithCode(store.read(file, { strict }), 'E_BAD_INPUT');
        assert.match(e.message, new RegExp(`${c.name}\\.csv:${c.line}: `), `${c.name}, strict ${strict}`);
        assert.match(e.message, c.message);
      }
    }
  });

  it('gives the same rows in strict mode for RFC 4180 input: quotes, doubled quotes, embedded CRLF, no final line break', async () => {
    const file = writeFile(dir, 'good.csv', 'a,b\r\n1,"x\r\ny"\r\n2,"q""q"\r\n3,z');
    await store.read(file, { strict: true, table: 'good_strict' });
    await store.read(file, { table: 'good_default' });
    assert.deepEqual(await store.getTable('good_strict'), [{ a: 1, b: 'x\r\ny' }, { a: 2, b: 'q"q' }, { a: 3, b: 'z' }]);
    assert.deepEqual(await store.getTable('good_strict'), await store.getTable('good_default'));
  });

  it('dsi read --strict refuses with the file and line on stderr, exit 1', () => {
    const file = writeFile(dir, 'cli.csv', 'a,b\n1,2\n3,4"\n');
    const r = runDsi(['--db', path.join(dir, 'cli.db'), 'read', '--strict', file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^dsi: .*cli\.csv:3: a quote inside an unquoted field/);
  });
});
