/**
 * Readers of structured documents (JSON, YAML, YAML1, TOML, TOML1), the relations file and the
 * environment, checked against Python DSI's own output for its example files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../src/errors.js';
import { envReader } from '../src/readers/env-reader.js';
import { jsonReader } from '../src/readers/json-reader.js';
import { FloatCell, type RawCell, type ReadContext, type Reader, type UnitRecord } from '../src/store/reader.js';
import { schemaReader } from '../src/readers/schema-reader.js';
import { toml1Reader } from '../src/readers/toml1-reader.js';
import { tomlReader } from '../src/readers/toml-reader.js';
import { yaml1Reader, parseMeasured } from '../src/readers/yaml1-reader.js';
import { yamlReader } from '../src/readers/yaml-reader.js';
import { HAS_GIT } from './helpers/store-helpers.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const context: ReadContext = { tableName: undefined, maxInteger: async () => null };

interface Table {
  columns: string[];
  rows: RawCell[][];
  lines: (number | undefined)[];
}
interface Reference {
  tables: Record<string, { columns: string[]; rows: RawCell[][] }>;
}
const reference = JSON.parse(readFileSync(join(fixtures, 'python_dsi_reference.json'), 'utf8')) as Record<string, Reference>;

/** Read `path` and gather every table's rows through forEachBatch. */
async function read(reader: Reader, path: string, ctx: ReadContext = context) {
  const result = await reader.read(path, ctx);
  const tables: Record<string, Table> = {};
  for (const source of result.tables) {
    const rows: RawCell[][] = [];
    await source.forEachBatch((batch) => {
      rows.push(...batch);
    });
    const lines = await Promise.all(rows.map((_, i) => source.lineOfRow(i)));
    tables[source.table] = { columns: [...source.columns], rows, lines };
  }
  return { tables, units: result.units, relations: result.relations };
}

/** Row values with FloatCell markers replaced by their numbers, to compare with the reference. */
const unwrapFloats = (row: RawCell[]) => row.map((v) => (v instanceof FloatCell ? v.value : v));

const unitTriples = (units: readonly UnitRecord[]) => units.map((u) => [u.table, u.column, u.unit]);

const tmp = mkdtempSync(join(os.tmpdir(), 'dsi-readers-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Write a scratch file and return its path. */
function scratch(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

/** Assert that `promise` rejects with `code` and a message naming `file:line`. */
async function rejectsAt(promise: Promise<unknown>, code: string, file: string, line?: number, text?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, String(error));
    assert.equal(error.code, code);
    assert.ok(error.message.includes(line === undefined ? file : `${file}:${line}:`), error.message);
    if (line !== undefined) assert.equal(error.line, line);
    if (text !== undefined) assert.match(error.message, text);
    return true;
  });
}

describe('yaml1 reader (Python DSI parity: student_yaml1)', () => {
  const expected = reference['student_yaml1']!.tables;
  const expectedUnits = expected['dsi_units']!.rows;

  for (const [index, name] of ['student_test1.yml', 'student_test2.yml'].entries()) {
    it(`reads ${name} as one row per segment, with tags, numbers and units`, async () => {
      const { tables, units } = await read(yaml1Reader, join(fixtures, name));
      assert.deepEqual(Object.keys(tables), ['math', 'address', 'physics']);
      for (const table of ['math', 'address', 'physics']) {
        assert.deepEqual(tables[table]!.columns, expected[table]!.columns);
        assert.deepEqual(tables[table]!.rows.map(unwrapFloats), [expected[table]!.rows[index]]);
      }
      // `l: 10000.0e-4` is written as a float: its column must be FLOAT although the value is whole.
      const l = tables['address']!.rows[0]![expected['address']!.columns.indexOf('l')];
      assert.ok(l instanceof FloatCell, `address.l should be a FloatCell, got ${String(l)}`);
      assert.deepEqual(unitTriples(units), expectedUnits);
      assert.deepEqual(tables['math']!.lines, [2]);
      assert.equal(units.find((u) => u.column === 'p')?.line, 26);
    });
  }

  it('turns "<number> <unit>" strings into numbers and leaves other text alone', () => {
    assert.deepEqual(parseMeasured('45.98 cm'), { value: 45.98, unit: 'cm' });
    assert.deepEqual(parseMeasured('9.8 m / s / s'), { value: 9.8, unit: 'm / s / s' });
    assert.deepEqual(parseMeasured('1 million grams'), { value: 1, unit: 'million grams' });
    assert.deepEqual(parseMeasured('-2.5e3 K'), { value: -2500, unit: 'K' });
    assert.equal(parseMeasured('home 23'), undefined);
    assert.equal(parseMeasured('good memories'), undefined);
    assert.equal(parseMeasured('23 45'), undefined);
    assert.equal(parseMeasured('23'), undefined);
  });

  it('gives NULL for an untagged mapping and prints no warning for unknown tags', async () => {
    const path = scratch('untagged.yml', '---\nsegment: t\nspec:\n  a: 1\nnote: "23 s"\n---\nsegment: t\nspec: !x\n  a: 2\n');
    const warnings: unknown[] = [];
    const { emitWarning } = process;
    const { warn } = console;
    process.emitWarning = (warning: string | Error) => void warnings.push(warning);
    console.warn = (...args: unknown[]) => void warnings.push(args);
    try {
      const { tables, units } = await read(yaml1Reader, path);
      assert.deepEqual(tables['t'], { columns: ['spec', 'a', 'note'], rows: [[null, 1, 23], ['!x', 2, null]], lines: [2, 7] });
      assert.deepEqual(unitTriples(units), [['t', 'note', 's']]);
    } finally {
      process.emitWarning = emitWarning;
      console.warn = warn;
    }
    assert.deepEqual(warnings, []);
  });

  it('rejects a document without segment, naming its line', async () => {
    const path = scratch('nosegment.yml', '---\nsegment: t\nx: 1\n---\nx: 2\n');
    await rejectsAt(read(yaml1Reader, path), 'E_BAD_INPUT', path, 5, /segment/);
  });

  it('rejects two units for one column in one file, naming both lines', async () => {
    const path = scratch('conflict.yml', '---\nsegment: t\nx: "1 cm"\n---\nsegment: t\nx: "2 m"\n');
    await rejectsAt(read(yaml1Reader, path), 'E_BAD_INPUT', path, 6, /t\.x.*"m".*"cm" on line 3/);
  });
});

describe('toml1 reader (Python DSI parity: results_toml1)', () => {
  const expected = reference['results_toml1']!.tables;
  const people = expected['people']!;

  it('reads {value, units} tables as values with units, one row per file', async () => {
    const seenUnits: unknown[][] = [];
    for (const [index, name] of ['results.toml', 'results1.toml'].entries()) {
      const { tables, units } = await read(toml1Reader, join(fixtures, name));
      assert.deepEqual(Object.keys(tables), ['people']);
      const [row] = tables['people']!.rows;
      const got = Object.fromEntries(tables['people']!.columns.map((c, i) => [c, row![i]]));
      // The store merges the two files' columns; each file holds the reference row's non-null cells.
      const want = Object.fromEntries(people.columns.map((c, i) => [c, people.rows[index]![i]]).filter(([, v]) => v !== null));
      assert.deepEqual(got, want);
      seenUnits.push(...unitTriples(units));
    }
    const distinct = [...new Map(seenUnits.map((u) => [JSON.stringify(u), u])).values()];
    assert.deepEqual(distinct, expected['dsi_units']!.rows);
  });

  it('keeps an inline table with other keys as columns', async () => {
    const path = scratch('other.toml', '[t]\nx = {value = 1, units = "m", note = "n"}\n');
    const { tables, units } = await read(toml1Reader, path);
    assert.deepEqual(tables['t']!.columns, ['x_value', 'x_units', 'x_note']);
    assert.deepEqual(units, []);
  });
});

describe('toml reader', () => {
  it('reads [[nodes]] with [nodes.resources] as table nodes (Python DSI parity: nodes_toml)', async () => {
    const { tables, units } = await read(tomlReader, join(fixtures, 'example.toml'));
    const expected = reference['nodes_toml']!.tables['nodes']!;
    assert.deepEqual(Object.keys(tables), ['nodes']);
    assert.deepEqual(tables['nodes']!.columns, expected.columns);
    assert.deepEqual(tables['nodes']!.rows, expected.rows);
    assert.deepEqual(units, []);
  });

  it('puts top-level scalars in the file-named table and tables in their own; dates become ISO text', async () => {
    const path = scratch('conf.toml', 'title = "x"\nwhen = 1979-05-27\n[owner]\nname = "Tom"\nborn = 1979-05-27T07:32:00Z\n');
    const { tables } = await read(tomlReader, path);
    assert.deepEqual(tables['conf']!.columns, ['title', 'when']);
    assert.deepEqual(tables['conf']!.rows, [['x', '1979-05-27']]);
    assert.deepEqual(tables['owner']!.rows, [['Tom', '1979-05-27T07:32:00.000Z']]);
  });

  it('rejects invalid TOML with its line', async () => {
    const path = scratch('bad.toml', 'a = 1\nb = \nc = 3\n');
    await rejectsAt(read(tomlReader, path), 'E_BAD_INPUT', path, 2, /invalid TOML/);
  });
});

describe('document tables (json and yaml readers)', () => {
  it('(a) an array of objects is one table named after the file, or --table', async () => {
    const path = scratch('runs.json', '[{"a": 1, "b": {"c": 2}}, {"a": 3, "d": [1, 2]}]');
    const { tables } = await read(jsonReader, path);
    assert.deepEqual(tables['runs'], {
      columns: ['a', 'b_c', 'd'],
      rows: [[1, 2, null], [3, null, '[1,2]']],
      lines: [1, 1],
    });
    const named = await read(jsonReader, path, { ...context, tableName: 'custom' });
    assert.deepEqual(Object.keys(named.tables), ['custom']);
  });

  it('JSON keeps integers beyond 2^53 exact, marks whole numbers written as floats, and knows row lines', async () => {
    const path = scratch('exact.json', '[\n  {"id": 9007199254740993, "x": 2.0, "y": 1.5},\n  {"id": 7, "x": 3, "y": -0.25}\n]\n');
    const { tables } = await read(jsonReader, path);
    const t = tables['exact']!;
    assert.deepEqual(t.lines, [2, 3]);
    assert.equal(t.rows[0]![0], 9007199254740993n);
    assert.equal(t.rows[1]![0], 7);
    assert.ok(t.rows[0]![1] instanceof FloatCell && t.rows[0]![1].value === 2, 'x = 2.0 is a FloatCell');
    assert.deepEqual([t.rows[0]![2], t.rows[1]![1], t.rows[1]![2]], [1.5, 3, -0.25]);
  });

  it('YAML keeps integers beyond 2^53 exact and gives small ones as numbers', async () => {
    const path = scratch('big.yaml', '- id: 9007199254740993\n  n: 5\n');
    const { tables } = await read(yamlReader, path);
    assert.deepEqual(tables['big']!.rows, [[9007199254740993n, 5]]);
  });

  it('(b) an object of objects and arrays of objects is one table per key, with YAML lines', async () => {
    const path = scratch('cluster.yaml', 'nodes:\n  - name: n1\n    resources: {gpu: 4}\n  - name: n2\nconfig:\n  mode: fast\n');
    const { tables } = await read(yamlReader, path);
    assert.deepEqual(tables['nodes'], { columns: ['name', 'resources_gpu'], rows: [['n1', 4], ['n2', null]], lines: [2, 4] });
    assert.deepEqual(tables['config'], { columns: ['mode'], rows: [['fast']], lines: [6] });
  });

  it('(c) an object of equally long scalar arrays is column-oriented', async () => {
    const path = scratch('columns.json', '{"x": [1, 2, 3], "y": ["a", "b", null]}');
    const { tables } = await read(jsonReader, path);
    assert.deepEqual(tables['columns']!.columns, ['x', 'y']);
    assert.deepEqual(tables['columns']!.rows, [[1, 'a'], [2, 'b'], [3, null]]);
  });

  it('(d) any other object is one row, arrays as JSON text', async () => {
    const path = scratch('one.json', '{"name": "run1", "tags": ["a", "b"], "sizes": [1, 2, 3]}');
    const { tables } = await read(jsonReader, path);
    assert.deepEqual(tables['one']!.columns, ['name', 'tags', 'sizes']);
    assert.deepEqual(tables['one']!.rows, [['run1', '["a","b"]', '[1,2,3]']]);
  });

  it('(d) mixed: scalars form the file-named row, table-like keys their own tables', async () => {
    const path = scratch('mixed.yaml', 'name: run1\nsteps: 3\nparams:\n  lr: 0.1\nruns:\n  - id: 1\n  - id: 2\n');
    const { tables } = await read(yamlReader, path);
    assert.deepEqual(Object.keys(tables), ['mixed', 'params', 'runs']);
    assert.deepEqual(tables['mixed'], { columns: ['name', 'steps'], rows: [['run1', 3]], lines: [1] });
    assert.deepEqual(tables['params']!.rows, [[0.1]]);
    assert.deepEqual(tables['runs']!.rows, [[1], [2]]);
  });

  it('appends rows of YAML documents that name the same table', async () => {
    const path = scratch('multi.yaml', '- a: 1\n---\n- a: 2\n  b: 3\n---\n');
    const { tables } = await read(yamlReader, path);
    assert.deepEqual(tables['multi'], { columns: ['a', 'b'], rows: [[1, null], [2, 3]], lines: [1, 3] });
  });

  it('rejects a bare scalar and an array of scalars', async () => {
    const scalar = scratch('scalar.json', '42');
    await rejectsAt(read(jsonReader, scalar), 'E_BAD_INPUT', scalar, undefined, /expected an object or an array of objects/);
    const array = scratch('array.yaml', '- 1\n- 2\n');
    await rejectsAt(read(yamlReader, array), 'E_BAD_INPUT', array, 1, /array of objects/);
  });

  it('rejects invalid JSON with the line of the error', async () => {
    const path = scratch('bad.json', '{\n  "a": 1\n  "b": 2\n}\n');
    await rejectsAt(read(jsonReader, path), 'E_BAD_INPUT', path, 3, /invalid JSON/);
    const truncated = scratch('truncated.json', '[\n  {"a": 1},\n');
    await rejectsAt(read(jsonReader, truncated), 'E_BAD_INPUT', truncated, 2);
  });

  it('rejects an empty JSON file', async () => {
    const path = scratch('empty.json', '  \n');
    await rejectsAt(read(jsonReader, path), 'E_BAD_INPUT', path, undefined, /empty/);
  });

  it('rejects invalid YAML with the line of the first error', async () => {
    const path = scratch('bad.yaml', 'a: 1\nb: [1, 2\nc: 3\n');
    await rejectsAt(read(yamlReader, path), 'E_BAD_INPUT', path, 3, /invalid YAML/);
  });
});

describe('schema reader', () => {
  it('reads DSI relations and ignores comments', async () => {
    const { tables, units, relations } = await read(schemaReader, join(fixtures, 'yaml1_schema.json'));
    assert.deepEqual(tables, {});
    assert.deepEqual(units, []);
    assert.deepEqual([...relations!.keys()], ['math', 'address', 'physics']);
    assert.deepEqual(relations!.get('math'), {
      primaryKey: 'specification',
      foreignKeys: [{ column: 'b', refTable: 'address', refColumn: 'i' }],
    });
    assert.deepEqual(relations!.get('physics'), { primaryKey: 'n', foreignKeys: [] });
  });

  it('rejects a foreign key not shaped [table, column], naming its line', async () => {
    const json = ['{', '  "math": {', '    "primary_key": "a",', '    "foreign_key": {', '      "b": ["address"]', '    }', '  }', '}'];
    const path = scratch('schema.json', json.join('\n'));
    await rejectsAt(read(schemaReader, path), 'E_SCHEMA', path, 5, /\[table, column\]/);
  });

  it('rejects invalid JSON with its line', async () => {
    const path = scratch('badschema.json', '{\n  "math": {"primary_key": "a"}\n  "address": {}\n}\n');
    await rejectsAt(read(schemaReader, path), 'E_BAD_INPUT', path, 3, /invalid JSON/);
  });
});

describe('env reader', () => {

  const envRow = async (folder: string) => {
    const { tables } = await read(envReader, folder);
    const env = tables['env']!;
    assert.equal(env.rows.length, 1);
    return Object.fromEntries(env.columns.map((c, i) => [c, env.rows[0]![i]]));
  };

  it('describes host, Node and a folder that is not a repository', async () => {
    const folder = mkdtempSync(join(tmp, 'plain-'));
    const row = await envRow(folder);
    assert.equal(row['host'], os.hostname());
    assert.equal(row['node_version'], process.version);
    assert.equal(row['folder'], folder);
    assert.equal(row['cpu_count'], os.cpus().length);
    assert.equal(row['git_commit'], null);
    assert.equal(row['git_dirty'], null);
    assert.equal(row['git_remote'], null);
  });

  it('records the commit of a git repository', { skip: !HAS_GIT && 'git is not installed' }, async () => {
    const folder = mkdtempSync(join(tmp, 'repo-'));
    const identity = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com'];
    const git = (...args: string[]) => execFileSync('git', ['-C', folder, ...identity, ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'first');
    const row = await envRow(folder);
    assert.match(String(row['git_commit']), /^[0-9a-f]{40}$/);
    assert.equal(row['git_dirty'], 0);
    assert.equal(typeof row['git_branch'], 'string');
  });

  it('names its table after --table', async () => {
    const { tables } = await read(envReader, tmp, { ...context, tableName: 'provenance' });
    assert.deepEqual(Object.keys(tables), ['provenance']);
  });

  it('rejects a path that is not a folder', async () => {
    const path = scratch('not-a-folder.txt', 'x');
    await rejectsAt(read(envReader, path), 'E_BAD_INPUT', path, undefined, /folder/);
  });
});
