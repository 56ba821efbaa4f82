/**
 * Inputs for every reader the library ships (defaultPlugins.readers): for each, a mix of
 * grammar-built documents (valid or nearly so), fixtures cut short or with bytes spoilt, noise,
 * wrong encodings and oversized inputs (a long line, tens of thousands of columns, nesting far
 * past any sane depth, entity and alias bombs, images and IDX files declaring more than they
 * hold). A case is plain data (files to write and the read options), printed briefly when a
 * property fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { stringify as tomlStringify } from 'smol-toml';
import { stringify as yamlStringify } from 'yaml';
import { encodePng } from '../../src/images/png-codec.js';
import { awkwardText, mutated, randomBytes, truncated, wrongEncoding } from './byte-mutations.js';

/** Files (relative path → bytes) to write, the path to read, and how to read it. */
export interface ReaderCase {
  readonly reader: string;
  readonly how: string;
  readonly files: Readonly<Record<string, Buffer>>;
  readonly input: string;
  readonly strict?: boolean;
  readonly table?: string;
  readonly readerOptions?: Readonly<Record<string, unknown>>;
}

/** Write `c`'s files under `dir` and return the path to read. */
export function writeCase(c: ReaderCase, dir: string): string {
  for (const [rel, bytes] of Object.entries(c.files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  const input = path.join(dir, c.input);
  fs.mkdirSync(path.dirname(input), { recursive: true });
  return input;
}

/** A short account of `c` for a failure message (never megabytes of input). */
export function describeCase(c: ReaderCase): string {
  const files = Object.entries(c.files).map(([rel, b]) => {
    const head = b.subarray(0, 160);
    return `${rel} (${b.length} bytes): ${JSON.stringify(head.toString('latin1'))}${b.length > 160 ? '…' : ''}`;
  });
  const options = { strict: c.strict, table: c.table, readerOptions: c.readerOptions };
  return `${c.reader} ${c.how} → read ${c.input} ${JSON.stringify(options)}\n  ${files.join('\n  ')}`;
}

/** Give a case a brief toString, so fast-check's counterexample report stays readable. */
function printable(c: ReaderCase): ReaderCase {
  return Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) });
}

const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../test/fixtures');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));

/** Table names a caller might pass: ordinary, reserved, the backend's own, odd and long. */
const tableNameArb = fc.oneof(
  fc.constantFrom('runs', 'wildfiredata', 'dsi_units', 'dsi_ingested', 'ml_runs', 'sqlite_master', 'sqlite_sequence', '', ' ', '1abc', 'a"b', "a'b", 'a b', 'select', '__proto__', 'x'.repeat(300), 'Runs', 'RUNS', 'é'),
  fc.string({ maxLength: 10 }),
);

/** Reader options beside the right ones: unknown names and wrong values. */
const junkOptionsArb = fc.oneof(
  fc.constant({ bogus: '1' }),
  fc.constant({ encoding: 'utf-16' }),
  fc.constant({ encoding: 7 }),
  fc.dictionary(fc.constantFrom('encoding', 'layout', 'allow_outside', 'maxPixels', 'params', 'pattern', 'labels', 'split', 'labelNames', 'x'), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 2 }),
);

// ── documents ────────────────────────────────────────────────────────────────────────────────

/** A CSV built from awkward header names and cells, quoted or not, rows of any width. */
export const csvTextArb: fc.Arbitrary<string> = fc
  .record({
    header: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('id', 'name', 'speed', 'FILE', 'a', 'b') }, { weight: 2, arbitrary: awkwardText }), { minLength: 1, maxLength: 8 }),
    rows: fc.array(fc.array(fc.oneof(fc.double().map(String), fc.integer().map(String), fc.bigInt().map(String), awkwardText), { maxLength: 9 }), { maxLength: 12 }),
    quoteAll: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
  })
  .map(({ header, rows, quoteAll, eol, bom }) => {
    const cell = (s: string) => (quoteAll || /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    const lines = [header, ...rows].map((r) => r.map(cell).join(','));
    return `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
  });

/** A random document: objects, arrays and scalars, with awkward keys. */
const documentArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), awkwardText, tie('object'), fc.array(tie('value'), { maxLength: 5 })),
  object: fc.dictionary(fc.oneof(fc.constantFrom('id', 'name', 'runs', 'nodes', 'value', 'units'), awkwardText), tie('value'), { maxKeys: 6 }),
})).value;

const objectDocArb = fc.oneof(
  documentArb.filter((d) => d !== null && typeof d === 'object'),
  fc.array(fc.dictionary(fc.constantFrom('id', 'x', 'y', 'name', 'FILE', 'x y', 'X'), fc.oneof(fc.integer(), fc.double(), awkwardText, fc.constant(null)), { maxKeys: 5 }), { maxLength: 6 }),
);

const jsonText = (d: unknown): string => JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? 'null';

/** TOML of `d` where TOML can spell it (an object without nulls), else JSON text: not TOML either way. */
function tomlText(d: unknown): string {
  try {
    return tomlStringify(d as Record<string, unknown>);
  } catch {
    return jsonText(d);
  }
}

// ── oversized inputs ─────────────────────────────────────────────────────────────────────────

const depthArb = fc.oneof(fc.integer({ min: 400, max: 700 }), fc.integer({ min: 5000, max: 200_000 }));
const bigLength = fc.integer({ min: 1 << 19, max: 2 << 20 });

const oversizedCsv = fc.oneof(
  bigLength.map((n) => Buffer.from(`a,b\n${'x'.repeat(n)},1\n2,3\n`)),
  fc.integer({ min: 1500, max: 12_000 }).map((n) => {
    const header = Array.from({ length: n }, (_, i) => `c${i}`).join(',');
    const row = Array.from({ length: n }, (_, i) => String(i)).join(',');
    return Buffer.from(`${header}\n${row}\n`);
  }),
  bigLength.map((n) => Buffer.from(`a\n"${'q'.repeat(n)}`)), // a quote never closed, megabytes long
  fc.integer({ min: 20_000, max: 200_000 }).map((n) => Buffer.from(`a,b\n${'1,2\n'.repeat(n)}`)),
);

const oversizedJson = fc.oneof(
  depthArb.map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
  depthArb.map((n) => Buffer.from(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)),
  depthArb.map((n) => Buffer.from('['.repeat(n))),
  fc.integer({ min: 2500, max: 12_000 }).map((n) => Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))))),
  bigLength.map((n) => Buffer.from(JSON.stringify({ a: 'x'.repeat(n) }))),
);

const yamlAliasBomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');

const oversizedYaml = fc.oneof(
  depthArb.map((n) => Buffer.from(`a: ${'['.repeat(n)}${']'.repeat(n)}\n`)),
  fc.integer({ min: 600, max: 3000 }).map((n) => Buffer.from(Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n')),
  fc.constant(Buffer.from(`${yamlAliasBomb}\n`)),
  bigLength.map((n) => Buffer.from(`a: ${'x'.repeat(n)}\n`)),
  fc.integer({ min: 1000, max: 4000 }).map((n) => Buffer.from(Array.from({ length: n }, (_, i) => `---\nsegment: s${i % 7}\nspecification: !t\n  v${i}: ${i}\n`).join(''))),
);

const oversizedToml = fc.oneof(
  depthArb.map((n) => Buffer.from(`a = ${'['.repeat(n)}${']'.repeat(n)}\n`)),
  depthArb.map((n) => Buffer.from(`a = ${'{b = '.repeat(n)}1${'}'.repeat(n)}\n`)),
  depthArb.map((n) => Buffer.from(`${Array.from({ length: n }, (_, i) => `k${i % 10}`).join('.')} = 1\n`)),
  fc.integer({ min: 3000, max: 30_000 }).map((n) => Buffer.from(Array.from({ length: n }, (_, i) => `[[t]]\nv = ${i}\n`).join(''))),
);

const xmlEntityBomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]>
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol9;</dc:title></metadata>`;

const oversizedXml = fc.oneof(
  depthArb.map((n) => Buffer.from(`<metadata>${'<a>'.repeat(n)}x${'</a>'.repeat(n)}</metadata>`)),
  fc.constant(Buffer.from(xmlEntityBomb)),
  bigLength.map((n) => Buffer.from(`<metadata><dc:title>${'x'.repeat(n)}</dc:title></metadata>`)),
  fc.integer({ min: 3000, max: 30_000 }).map((n) => Buffer.from(`<metadata>${Array.from({ length: n }, (_, i) => `<dc:f${i}>v</dc:f${i}>`).join('')}</metadata>`)),
);

// ── one reader's mix ─────────────────────────────────────────────────────────────────────────

interface TextMix {
  readonly seeds: readonly Buffer[];
  readonly grammar: fc.Arbitrary<string>;
  readonly oversized: fc.Arbitrary<Buffer>;
}

/** Bytes for a text format: grammar-built, spoilt seeds, cut seeds, noise, wrong encodings, oversized. */
function textBytes(mix: TextMix): fc.Arbitrary<{ how: string; bytes: Buffer }> {
  const seed = fc.constantFrom(...mix.seeds);
  return fc.oneof(
    { weight: 5, arbitrary: mix.grammar.map((t) => ({ how: 'grammar', bytes: Buffer.from(t) })) },
    { weight: 4, arbitrary: seed.chain((s) => mutated(s)).map((bytes) => ({ how: 'mutated fixture', bytes })) },
    { weight: 3, arbitrary: seed.chain((s) => truncated(s)).map((bytes) => ({ how: 'truncated fixture', bytes })) },
    { weight: 2, arbitrary: mix.grammar.chain((t) => mutated(Buffer.from(t))).map((bytes) => ({ how: 'mutated grammar', bytes })) },
    { weight: 1, arbitrary: randomBytes.map((bytes) => ({ how: 'random bytes', bytes })) },
    { weight: 1, arbitrary: fc.oneof(seed.map((s) => s.toString('utf8')), mix.grammar).chain(wrongEncoding).map((bytes) => ({ how: 'wrong encoding', bytes })) },
    { weight: 1, arbitrary: mix.oversized.map((bytes) => ({ how: 'oversized', bytes })) },
  );
}

/** Options for a text reader: mostly none, sometimes Latin-1, a table name, or junk. */
function textOptions(readerTakesTable = true): fc.Arbitrary<Pick<ReaderCase, 'table' | 'readerOptions'>> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 2, arbitrary: fc.constant({ readerOptions: { encoding: 'latin1' } }) },
    { weight: readerTakesTable ? 2 : 1, arbitrary: tableNameArb.map((table) => ({ table })) },
    { weight: 1, arbitrary: junkOptionsArb.map((readerOptions) => ({ readerOptions })) },
  );
}

function fileCase(reader: string, name: string, mix: TextMix, extra: fc.Arbitrary<Partial<ReaderCase>> = textOptions()): fc.Arbitrary<ReaderCase> {
  return fc.tuple(textBytes(mix), extra).map(([{ how, bytes }, options]) => printable({ reader, how, files: { [name]: bytes }, input: name, ...options }));
}

// ── the readers ──────────────────────────────────────────────────────────────────────────────

const csvSeeds = [fixture('wildfiredata.csv'), fixture('yosemite5.csv')];

const csvCases = fileCase('csv', 'input.csv', { seeds: csvSeeds, grammar: csvTextArb, oversized: oversizedCsv });
const strictCsvCases = fileCase('csv', 'strict.csv', { seeds: csvSeeds, grammar: csvTextArb, oversized: oversizedCsv }).map((c) => printable({ ...c, strict: true }));
const ensembleCases = fileCase('ensemble', 'ensemble.csv', { seeds: csvSeeds, grammar: csvTextArb, oversized: oversizedCsv });

const jsonCases = fileCase('json', 'input.json', {
  seeds: [fixture('python_dsi_reference.json'), Buffer.from('{"physics": {"n": [9.8, 91.8], "o": ["gravity", "gravity"]}}'), Buffer.from('[{"a": 1, "b": "x"}, {"a": 2.5, "c": null}]')],
  grammar: objectDocArb.map(jsonText),
  oversized: oversizedJson,
});

const yamlCases = fileCase('yaml', 'input.yml', {
  seeds: [fixture('student_test2.yml'), Buffer.from('a: 1\nb: [1, 2]\n---\na: 2\nc: {d: 3}\n')],
  grammar: fc.array(objectDocArb, { minLength: 1, maxLength: 3 }).map((docs) => docs.map((d) => yamlStringify(d, (_k: unknown, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).join('---\n')),
  oversized: oversizedYaml,
}, fc.oneof(textOptions(), fc.constantFrom('flat', 'tables', 'bogus').map((layout) => ({ readerOptions: { layout } }))));

const yaml1Value = fc.oneof(fc.integer().map(String), fc.double().map(String), fc.constantFrom('"45.98 cm"', '"9.8 m / s / s"', "'1 million grams'", '89.0e-4', '"home 23"', '" cm"', '"1e999 K"', '""'), awkwardText.map((t) => JSON.stringify(t)));
const yaml1Grammar = fc
  .array(fc.record({ segment: fc.oneof(fc.constantFrom('math', 'address', 'physics', 'dsi_units'), awkwardText.map((t) => JSON.stringify(t))), tag: fc.constantFrom('!jack', '!sam', '', '!!str', '!!map'), fields: fc.dictionary(fc.oneof(fc.constantFrom('a', 'b', 'c', 'fileLoc'), fc.string({ minLength: 1, maxLength: 6 }).map((s) => JSON.stringify(s))), yaml1Value, { maxKeys: 5 }) }), { minLength: 1, maxLength: 4 })
  .map((segs) => segs.map((s) => `---\nsegment: ${s.segment}\nspecification: ${s.tag}\n${Object.entries(s.fields).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`).join(''));
const yaml1Cases = fileCase('yaml1', 'input1.yml', { seeds: [fixture('student_test1.yml'), fixture('student_test2.yml')], grammar: yaml1Grammar, oversized: oversizedYaml });

const tomlCases = fileCase('toml', 'input.toml', { seeds: [fixture('example.toml'), fixture('results.toml')], grammar: objectDocArb.filter((d) => !Array.isArray(d)).map(tomlText), oversized: oversizedToml });

const toml1Grammar = fc
  .dictionary(
    fc.oneof(fc.constantFrom('run', 'physics', 'nodes'), fc.string({ minLength: 1, maxLength: 6 })),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.oneof(fc.integer(), fc.double(), awkwardText, fc.record({ value: fc.oneof(fc.integer(), fc.double(), awkwardText), units: awkwardText }, { requiredKeys: [] })), { maxKeys: 4 }),
    { maxKeys: 3 },
  )
  .map(tomlText);
const toml1Cases = fileCase('toml1', 'input1.toml', { seeds: [fixture('results1.toml')], grammar: toml1Grammar, oversized: oversizedToml });

/** Relations over the seeded store's tables and columns, and over names that do not exist. */
const schemaGrammar = fc
  .dictionary(
    fc.constantFrom('wildfiredata', 'math', 'address', 'physics', 'nodes', 'ghost', 'dsi_units'),
    fc.record(
      {
        primary_key: fc.oneof(fc.constantFrom('wind_speed', 'specification', 'i', 'n', 'b', 'ghost', ''), fc.array(fc.constantFrom('i', 'n', 'b'), { maxLength: 3 }), fc.integer()),
        foreign_key: fc.dictionary(fc.constantFrom('b', 'h', 'i', 'n', 'ghost'), fc.oneof(fc.tuple(fc.constantFrom('math', 'address', 'physics', 'ghost', 'wildfiredata'), fc.constantFrom('i', 'n', 'b', 'ghost')), fc.array(awkwardText, { maxLength: 3 })), { maxKeys: 3 }),
        comment: awkwardText,
      },
      { requiredKeys: [] },
    ),
    { maxKeys: 4 },
  )
  .map(jsonText);
const schemaCases = fileCase('schema', 'relations.json', { seeds: [fixture('yaml1_schema.json'), fixture('yaml1_circular_schema.json')], grammar: schemaGrammar, oversized: oversizedJson }, fc.constant({}));

/** A card from its template with fields dropped, given odd values, or added. */
function cardGrammar(template: Record<string, unknown>, render: (card: Record<string, unknown>) => string): fc.Arbitrary<string> {
  const keys = Object.keys(template);
  return fc
    .record({
      drop: fc.subarray(keys, { maxLength: 2 }),
      change: fc.dictionary(fc.constantFrom(...keys), fc.oneof(awkwardText, fc.integer(), fc.constant(null), fc.array(awkwardText, { maxLength: 2 }), fc.constant({ nested: { x: 1 } })), { maxKeys: 3 }),
      add: fc.dictionary(fc.oneof(awkwardText, fc.constantFrom('Title', 'TITLE', 'extra')), awkwardText, { maxKeys: 1 }),
    })
    .map(({ drop, change, add }) => {
      const card: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const k of keys) if (!drop.includes(k)) card[k] = k in change ? change[k] : template[k];
      for (const [k, v] of Object.entries(add)) card[k] = v;
      return render(card);
    });
}

const schemaOrgTemplate = JSON.parse(fixture('datacards/template_dc_schema_org.json').toString('utf8')) as Record<string, unknown>;
const schemaOrgCases = fileCase('datacard-schema-org', 'card.json', { seeds: [fixture('datacards/template_dc_schema_org.json')], grammar: cardGrammar(schemaOrgTemplate, jsonText), oversized: oversizedJson }, fc.constant({}));

const googleTemplate = (await import('yaml')).parse(fixture('datacards/template_dc_google.yml').toString('utf8')) as Record<string, unknown>;
const googleCases = fileCase('datacard-google', 'card.yml', { seeds: [fixture('datacards/template_dc_google.yml')], grammar: cardGrammar(googleTemplate, (c) => yamlStringify(c)), oversized: oversizedYaml }, fc.constant({}));

const DUBLIN_CORE = ['title', 'creator', 'subject', 'description', 'publisher', 'contributor', 'date', 'type', 'format', 'identifier', 'source', 'language', 'relation', 'coverage', 'rights'];
const xmlText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');
const dublinCoreGrammar = cardGrammar(Object.fromEntries(DUBLIN_CORE.map((k) => [k, `the ${k}`])), (card) => {
  const fields = Object.entries(card).map(([k, v]) => `  <dc:${k}>${xmlText(v)}</dc:${k}>`);
  return `<?xml version="1.0"?>\n<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n${fields.join('\n')}\n</metadata>\n`;
});
const dublinCoreCases = fileCase('datacard-dublin-core', 'card.xml', { seeds: [fixture('datacards/template_dc_dublin_core.xml')], grammar: dublinCoreGrammar, oversized: oversizedXml }, fc.constant({}));

const parquetSeed = fixture('wildfiredata.pq');
const parquetCases: fc.Arbitrary<ReaderCase> = fc
  .oneof(
    { weight: 3, arbitrary: truncated(parquetSeed).map((bytes) => ({ how: 'truncated fixture', bytes })) },
    { weight: 4, arbitrary: mutated(parquetSeed).map((bytes) => ({ how: 'mutated fixture', bytes })) },
    { weight: 1, arbitrary: randomBytes.map((bytes) => ({ how: 'random bytes', bytes: Buffer.concat([Buffer.from('PAR1'), bytes, Buffer.from('PAR1')]) })) },
    { weight: 1, arbitrary: randomBytes.map((bytes) => ({ how: 'random bytes', bytes })) },
  )
  .chain(({ how, bytes }) => fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, tableNameArb.map((table) => ({ table }))).map((o) => printable({ reader: 'parquet', how, files: { 'input.parquet': bytes }, input: 'input.parquet', ...o })));

// ── images, IDX, Cinema, env ─────────────────────────────────────────────────────────────────

const pngArb: fc.Arbitrary<Buffer> = fc
  .record({ width: fc.integer({ min: 1, max: 6 }), height: fc.integer({ min: 1, max: 6 }), channels: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const), fill: fc.integer({ min: 0, max: 255 }) })
  .map(({ width, height, channels, fill }) => encodePng({ width, height, channels, data: new Uint8Array(width * height * channels).fill(fill) }));

/** A PNG whose header declares `width × height` but whose data holds a few rows only. */
function declaringPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  const idat = zlib.deflateSync(Buffer.alloc(Math.min(width, 4096) + 1));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

const imageBytes: fc.Arbitrary<{ how: string; bytes: Buffer }> = fc.oneof(
  { weight: 2, arbitrary: pngArb.map((bytes) => ({ how: 'valid png', bytes })) },
  { weight: 4, arbitrary: pngArb.chain(mutated).map((bytes) => ({ how: 'mutated png', bytes })) },
  { weight: 3, arbitrary: pngArb.chain(truncated).map((bytes) => ({ how: 'truncated png', bytes })) },
  { weight: 1, arbitrary: randomBytes.map((bytes) => ({ how: 'random bytes', bytes })) },
  { weight: 1, arbitrary: randomBytes.map((bytes) => ({ how: 'jpeg-looking noise', bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), bytes]) })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([w, h]) => ({ how: 'declares huge', bytes: declaringPng(w, h) })) },
);

const imagesCases: fc.Arbitrary<ReaderCase> = fc
  .record({
    images: fc.array(fc.tuple(fc.constantFrom('a.png', 'b.png', 'sim1_t2.png', 'c.jpg', 'd.jpeg'), imageBytes), { minLength: 1, maxLength: 3 }),
    params: fc.option(fc.oneof(csvTextArb, fc.constant('name,speed\na.png,1\nb.png,x\n')), { nil: undefined }),
    single: fc.boolean(),
    options: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.record({ pattern: fc.constantFrom('sim{sim}_t{time}.png', '{a}{a}', '{', 'x'), maxPixels: fc.constantFrom('10', '0', '-1', 'lots', '1e99') }, { requiredKeys: [] }), junkOptionsArb),
  })
  .map(({ images, params, single, options }) => {
    const files: Record<string, Buffer> = {};
    for (const [name, { bytes }] of images) files[`imgs/${name}`] = bytes;
    if (params !== undefined) files['imgs/params.csv'] = Buffer.from(params);
    const first = images[0]!;
    return printable({ reader: 'images', how: images.map(([, i]) => i.how).join('+'), files, input: single ? `imgs/${first[0]}` : 'imgs', ...(options === undefined ? {} : { readerOptions: options }) });
  });

/** An IDX image file: magic, count, rows, cols and a body that may hold more or less than declared. */
const idxArb = fc
  .record({ count: fc.integer({ min: 0, max: 5 }), rows: fc.integer({ min: 0, max: 5 }), cols: fc.integer({ min: 0, max: 5 }), slack: fc.integer({ min: -20, max: 20 }), magic: fc.constantFrom(2051, 2051, 2051, 2049, 0x0803ff, 0), huge: fc.boolean(), labelCount: fc.integer({ min: 0, max: 6 }), labelValue: fc.integer({ min: 0, max: 255 }), gzip: fc.boolean() })
  .map(({ count, rows, cols, slack, magic, huge, labelCount, labelValue, gzip }) => {
    const declared = huge ? 2 ** 31 - 1 : count;
    const head = Buffer.alloc(16);
    head.writeUInt32BE(magic, 0);
    head.writeUInt32BE(declared, 4);
    head.writeUInt32BE(rows, 8);
    head.writeUInt32BE(cols, 12);
    const body = Buffer.alloc(Math.max(0, count * rows * cols + slack), 7);
    const labels = Buffer.concat([Buffer.from([0, 0, 8, 1]), Buffer.alloc(4), Buffer.alloc(labelCount, labelValue)]);
    labels.writeUInt32BE(labelCount, 4);
    const images = Buffer.concat([head, body]);
    return { images: gzip ? zlib.gzipSync(images) : images, labels };
  });

const idxCases: fc.Arbitrary<ReaderCase> = fc
  .record({
    idx: idxArb,
    spoil: fc.constantFrom('none', 'images', 'labels', 'truncate', 'no labels'),
    edit: fc.nat(),
    options: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.record({ split: awkwardText, labelNames: fc.oneof(fc.constant('zero,one'), fc.constant(''), awkwardText) }, { requiredKeys: [] }), junkOptionsArb),
  })
  .chain(({ idx, spoil, options }) => {
    const images = spoil === 'images' ? mutated(idx.images) : spoil === 'truncate' ? truncated(idx.images) : fc.constant(idx.images);
    const labels = spoil === 'labels' ? mutated(idx.labels) : fc.constant(idx.labels);
    return fc.tuple(images, labels).map(([img, lab]) => {
      const files: Record<string, Buffer> = { 'mnist/train-images-idx3-ubyte': img };
      if (spoil !== 'no labels') files['mnist/train-labels-idx1-ubyte'] = lab;
      return printable({ reader: 'idx', how: `idx ${spoil}`, files, input: 'mnist/train-images-idx3-ubyte', ...(options === undefined ? {} : { readerOptions: options }) });
    });
  });

const cinemaFileValue = fc.constantFrom('a.png', 'sub/b.png', '../outside.png', '/etc/passwd', 'missing.png', 'https://example.org/x.png', 'sub/../a.png', '', 'a.png\0', './a.png', 'sub', '..', '%2e%2e/x', 'link.png');
const cinemaCases: fc.Arbitrary<ReaderCase> = fc
  .record({
    params: fc.array(fc.oneof(fc.constantFrom('theta', 'phi', 'time'), awkwardText), { minLength: 0, maxLength: 3 }),
    fileColumns: fc.array(fc.constantFrom('FILE', 'FILE_image', 'file', 'FILE '), { minLength: 0, maxLength: 2 }),
    rows: fc.array(fc.tuple(fc.array(fc.oneof(fc.integer().map(String), awkwardText), { maxLength: 3 }), fc.array(cinemaFileValue, { maxLength: 2 })), { maxLength: 5 }),
    spoil: fc.constantFrom('none', 'none', 'mutate', 'truncate', 'no data.csv', 'data.csv is a folder'),
    options: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.constantFrom({ allow_outside: 'true' }, { allow_outside: 'maybe' }), junkOptionsArb),
  })
  .chain(({ params, fileColumns, rows, spoil, options }) => {
    const header = [...params, ...fileColumns];
    const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    const text = [header, ...rows.map(([p, f]) => [...p, ...f])].map((r) => r.map(quote).join(',')).join('\n') + '\n';
    const bytes = spoil === 'mutate' ? mutated(Buffer.from(text)) : spoil === 'truncate' ? truncated(Buffer.from(text)) : fc.constant(Buffer.from(text));
    return bytes.map((data) => {
      const files: Record<string, Buffer> = { 'run.cdb/a.png': encodePng({ width: 1, height: 1, channels: 1, data: new Uint8Array([9]) }), 'run.cdb/sub/b.png': Buffer.from('not really a png'), 'outside.png': Buffer.from('outside') };
      if (spoil === 'data.csv is a folder') files['run.cdb/data.csv/x'] = data;
      else if (spoil !== 'no data.csv') files['run.cdb/data.csv'] = data;
      return printable({ reader: 'cinema', how: `cinema ${spoil}`, files, input: 'run.cdb', ...(options === undefined ? {} : { readerOptions: options }) });
    });
  });

/** A folder with a damaged `.git`: HEAD, config and refs of noise or of hostile settings. */
const envCases: fc.Arbitrary<ReaderCase> = fc
  .record({
    head: fc.oneof(fc.constantFrom('ref: refs/heads/main\n', 'ref: ../../../etc/passwd\n', '0123456789012345678901234567890123456789\n', ''), awkwardText),
    config: fc.oneof(fc.constantFrom('[core]\n\trepositoryformatversion = 0\n', '[core]\n\tfsmonitor = false\n[remote "origin"]\n\turl = https://u:secret@example.org/r.git\n', '[include]\n\tpath = /etc/passwd\n', '[core\n'), awkwardText),
    git: fc.boolean(),
  })
  .map(({ head, config, git }) => {
    const files: Record<string, Buffer> = { 'repo/data.txt': Buffer.from('x\n') };
    if (git) {
      files['repo/.git/HEAD'] = Buffer.from(head);
      files['repo/.git/config'] = Buffer.from(config);
      files['repo/.git/refs/heads/main'] = Buffer.from('nothing\n');
      files['repo/.git/objects/.keep'] = Buffer.alloc(0);
    } else {
      files['repo/.git'] = Buffer.from(`gitdir: ${head}`);
    }
    return printable({ reader: 'env', how: git ? 'damaged .git' : '.git file', files, input: 'repo' });
  });

/**
 * Every reader's cases, keyed by the reader (`csv --strict` apart), and each one's share of the
 * readers' budget (parquet and env cases cost more).
 */
export const READER_CASES: readonly { readonly name: string; readonly cases: fc.Arbitrary<ReaderCase>; readonly runs: number }[] = [
  { name: 'csv', cases: csvCases, runs: 60 },
  { name: 'csv (strict)', cases: strictCsvCases, runs: 40 },
  { name: 'ensemble', cases: ensembleCases, runs: 30 },
  { name: 'json', cases: jsonCases, runs: 60 },
  { name: 'yaml', cases: yamlCases, runs: 50 },
  { name: 'yaml1', cases: yaml1Cases, runs: 40 },
  { name: 'toml', cases: tomlCases, runs: 50 },
  { name: 'toml1', cases: toml1Cases, runs: 40 },
  { name: 'schema', cases: schemaCases, runs: 40 },
  { name: 'datacard-dublin-core', cases: dublinCoreCases, runs: 30 },
  { name: 'datacard-schema-org', cases: schemaOrgCases, runs: 30 },
  { name: 'datacard-google', cases: googleCases, runs: 30 },
  { name: 'parquet', cases: parquetCases, runs: 25 },
  { name: 'images', cases: imagesCases, runs: 40 },
  { name: 'idx', cases: idxCases, runs: 40 },
  { name: 'cinema', cases: cinemaCases, runs: 40 },
  { name: 'env', cases: envCases, runs: 10 },
];
