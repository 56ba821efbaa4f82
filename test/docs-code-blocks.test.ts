/**
 * The code blocks of README.md and docs/*.md work as written, so they cannot drift from the code:
 *
 * - every ```ts block type-checks against the package as a user imports it (`dsi-ts`,
 *   `dsi-ts/ml`, `dsi-ts/torch` through package.json's exports), with the declarations its
 *   `<!-- ts-context: … -->` annotation gives a fragment;
 * - the `dsi …` lines of every ```sh block run in order, as a user would type them, in a fresh
 *   folder holding the repository's `examples/` (`dsi` being `node bin/dsi.js`), each exiting 0.
 *   A page marked `<!-- doc-test: after README.md -->` continues from the README's folder.
 *
 * What a user has that a fresh folder lacks is supplied, and said so in the test output: the
 * newest run of a kind stands for a run id written as `gan-…` or `gan-20261127-060728-7df3`;
 * `dsi datasets add mnist|fashion-mnist` read 36 MNIST digits (the first 24 of its training set,
 * 12 of its test set) through the same IDX reader instead of 70,000 images; files a page takes as
 * the user's own (feature CSVs, a folder of shots, review verdicts) are written small. Lines left
 * out (a block's `<!-- not-tested: … -->`, a line's `# (not run in tests: …)`, lines that are not
 * `dsi` commands) print their reason.
 */
import { describe, it, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASETS } from '../src/datasets/known-datasets.js';
import { encodePng } from '../src/images/png-codec.js';
import { Store } from '../src/store/store.js';
import { openStore } from '../src/index.js';
import { codeBlocks, continuesReadme, shellLines, withoutComment, type CodeBlock, type ShellLine } from './helpers/doc-blocks.js';
import { idxBytes, writeIdxPair } from './helpers/image-fixtures.js';
import { loadMnist } from './helpers/mnist.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');
const PAGES = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const BLOCKS = new Map(PAGES.map((page) => [page, codeBlocks(path.join(ROOT, page), page)]));

let work: string;
/** The folder the README's lines ran in, once they have. */
let readmeFolder: string | undefined;

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-docs-'));
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// ─── TypeScript blocks ───────────────────────────────────────────────────────────────────────────

const TS_LANGS = new Set(['ts', 'typescript', 'js', 'javascript']);

/** Type-checks every TypeScript block in one compiler run; errors by page, as `page:line: message`. */
function typeCheck(blocks: readonly CodeBlock[]): Map<string, string[]> {
  const dir = path.join(work, 'ts');
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'dsi-ts'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const files = new Map<string, { block: CodeBlock; contextLines: number }>();
  for (const b of blocks) {
    const name = `${b.page.replace(/[^A-Za-z0-9]/g, '_')}_${b.line}.ts`;
    const context = b.context === '' ? '' : `${b.context}\n`;
    fs.writeFileSync(path.join(dir, name), `${context}${b.code}\nexport {};\n`);
    files.set(name, { block: b, contextLines: context === '' ? 0 : context.split('\n').length - 1 });
  }
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'esnext.disposable'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true },
      include: ['*.ts'],
    }),
  );
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
  const errors = new Map<string, string[]>();
  for (const line of `${r.stdout}${r.stderr}`.split('\n')) {
    const m = /^(\S+?\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
    if (!m) continue;
    const file = files.get(path.basename(m[1]!));
    if (!file) continue;
    const at = Number(m[2]) - file.contextLines;
    const where = at >= 1 ? `${file.block.page}:${file.block.line + at}` : `${file.block.page}:${file.block.line} (its ts-context)`;
    (errors.get(file.block.page) ?? errors.set(file.block.page, []).get(file.block.page)!).push(`${where}: ${m[4]}`);
  }
  if (r.status !== 0 && errors.size === 0) errors.set('(compiler)', [`tsc exited ${r.status}: ${r.stdout}${r.stderr}`]);
  return errors;
}

describe('TypeScript blocks of the docs', () => {
  let errors: Map<string, string[]>;
  before(() => {
    errors = typeCheck([...BLOCKS.values()].flat().filter((b) => TS_LANGS.has(b.lang) && b.notTested === undefined));
  });
  for (const page of PAGES) {
    const blocks = BLOCKS.get(page)!.filter((b) => TS_LANGS.has(b.lang));
    if (blocks.length === 0) continue;
    it(`${page}: every TypeScript block type-checks against the package`, (t) => {
      for (const b of blocks) if (b.notTested !== undefined) t.diagnostic(`${page}:${b.line}: not type-checked: ${b.notTested}`);
      assert.deepEqual(errors.get('(compiler)') ?? [], []);
      assert.deepEqual(errors.get(page) ?? [], [], `type errors in ${page}`);
    });
  }
});

describe('package entry points', () => {
  it('dsi-ts, dsi-ts/ml and dsi-ts/torch import at run time from outside the package', () => {
    const dir = path.join(work, 'consumer');
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'dsi-ts'));
    const script = [
      "const core = await import('dsi-ts');",
      "const ml = await import('dsi-ts/ml');",
      "const torch = await import('dsi-ts/torch');",
      'console.log(JSON.stringify([typeof core.Store.open, typeof ml.trainGan, typeof ml.evaluateRun, typeof ml.trainEmulator, typeof torch.tensor]));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['function', 'function', 'function', 'function', 'function']);
  });
});

// ─── Shell lines ─────────────────────────────────────────────────────────────────────────────────

/** A fresh folder as a user's clone would be: the repository's examples/ beside the store. */
function freshFolder(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'));
  return dir;
}

async function withStore<T>(dir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(path.join(dir, 'dsi.db'));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The id of the newest run of `kind` in the folder's store. */
async function newestRun(dir: string, kind: string): Promise<string> {
  const rows = await withStore(dir, (s) => s.query('SELECT run_id FROM ml_runs WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT 1', [kind]));
  const id = rows[0]?.['run_id'];
  assert.equal(typeof id, 'string', `no ${kind} run in the store to stand for "${kind}-…"`);
  return id as string;
}

/** Run ids written as `gan-…` or in full (`gan-20261127-060728-7df3`), and `p-…` for a prediction id. */
const RUN_ID = /\b(gan|classifier|regressor|surrogate)-(?:…|\d{8}-\d{6}-[0-9a-f]{4})/g;
const PREDICTION_ID = /\bp-…/g;

async function withIds(dir: string, command: string, t: TestContext): Promise<string> {
  let out = command;
  for (const kind of new Set([...command.matchAll(RUN_ID)].map((m) => m[1]!))) {
    const id = await newestRun(dir, kind);
    out = out.replace(new RegExp(`\\b${kind}-(?:…|\\d{8}-\\d{6}-[0-9a-f]{4})`, 'g'), id);
    t.diagnostic(`  ${kind}-… is ${id}, the newest ${kind} run`);
  }
  if (PREDICTION_ID.test(out)) {
    const rows = await withStore(dir, (s) => s.query('SELECT prediction_id FROM ml_predictions ORDER BY rowid LIMIT 1'));
    const id = String(rows[0]?.['prediction_id']);
    out = out.replace(PREDICTION_ID, id);
    t.diagnostic(`  p-… is ${id}, the first stored prediction`);
  }
  return out;
}

/** 24 training and 12 test digits of MNIST as its four IDX files, in `dir`. */
function smallMnist(dir: string): { train: string; test: string } {
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    for (const [set, n] of [['train', 24], ['t10k', 12]] as const) {
      const m = loadMnist(set, n);
      fs.writeFileSync(path.join(dir, `${set}-images-idx3-ubyte`), idxBytes(2051, [n, 28, 28], m.pixels.subarray(0, n * 784)));
      fs.writeFileSync(path.join(dir, `${set}-labels-idx1-ubyte`), idxBytes(2049, [n], Uint8Array.from(m.labels.subarray(0, n))));
    }
  }
  return { train: path.join(dir, 'train-images-idx3-ubyte'), test: path.join(dir, 't10k-images-idx3-ubyte') };
}

/** `dsi datasets add NAME [--table T]`, with 36 MNIST digits instead of the 70,000 images. */
async function addSmallDataset(dir: string, command: string): Promise<string | undefined> {
  const m = /^dsi datasets add (mnist|fashion-mnist)\b/.exec(command);
  if (!m) return undefined;
  const spec = DATASETS[m[1] as keyof typeof DATASETS];
  const table = /--table\s+(\S+)/.exec(command)?.[1] ?? spec.table;
  const files = smallMnist(path.join(work, 'small-mnist'));
  await withStore(dir, (s) => s.read([files.train, files.test], { reader: 'idx', table, ...(spec.labelNames ? { readerOptions: { labelNames: spec.labelNames } } : {}) }));
  return `36 MNIST digits (24 train, 12 test) read into ${table} instead of the 70,000 images`;
}

function writeCsv(file: string, header: string[], rows: number, value: (row: number, col: number) => number): void {
  const lines = [header.join(',')];
  for (let i = 0; i < rows; i++) lines.push(header.map((_, j) => value(i, j).toFixed(6)).join(','));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

const features = (shift: number) => (file: string) => writeCsv(file, ['f1', 'f2', 'f3', 'f4'], 30, (i, j) => Math.sin(i * 1.3 + j * 0.7) + shift);
const logits = (file: string) => writeCsv(file, Array.from({ length: 10 }, (_, k) => `c${k}`), 30, (i, j) => (j === i % 10 ? 3 : Math.cos(i + j)));

/** Files a page takes to be the user's own, written small when a line names them and they are missing. */
const GIVEN: Record<string, { what: string; make: (file: string, dir: string) => Promise<void> | void }> = {
  'real.csv': { what: '30 samples of 4 features', make: features(0) },
  'r.csv': { what: '30 samples of 4 features', make: features(0) },
  'gen.csv': { what: '30 samples of 4 features', make: features(0.3) },
  'g.csv': { what: '30 samples of 4 features', make: features(0.3) },
  'logits.csv': { what: '30 rows of 10 logits', make: logits },
  'l.csv': { what: '30 rows of 10 logits', make: logits },
  'shots/': {
    what: 'four 8 × 8 PNGs named sim{sim}_t{time}.png',
    make: (file) => {
      fs.mkdirSync(file);
      for (const name of ['sim1_t0', 'sim1_t1', 'sim2_t0', 'sim2_t1']) fs.writeFileSync(path.join(file, `${name}.png`), encodePng({ width: 8, height: 8, channels: 1, data: new Uint8Array(64).fill(name.length * 9) }));
    },
  },
  'train-images-idx3-ubyte.gz': { what: '20 synthetic images with their labels beside them', make: (_file, dir) => void writeIdxPair(dir, 'train', 20, 28, 28, { gzip: true }) },
  'new_sites.csv': { what: "the four sites of examples/wildfiredata.csv", make: (file) => fs.copyFileSync(path.join(ROOT, 'examples/wildfiredata.csv'), file) },
  'runs.cdb': {
    what: 'a Cinema database of six MNIST digits',
    make: (file, dir) => {
      const r = spawnSync(process.execPath, [DSI, 'write', file, '--query', 'SELECT * FROM mnist ORDER BY id LIMIT 6'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    },
  },
  'verdicts.csv': {
    what: "verdicts on the newest GAN run's first four predictions",
    make: async (file, dir) => {
      const run = await newestRun(dir, 'gan');
      const ids = await withStore(dir, (s) => s.query('SELECT prediction_id FROM ml_predictions WHERE run_id = ? ORDER BY rowid LIMIT 4', [run]));
      const verdicts = ['accept,5,sharp', 'reject,1,smudged', 'accept,4,', 'reject,2,not a digit'];
      fs.writeFileSync(file, `prediction_id,verdict,rating,comment,reviewer\n${ids.map((r, i) => `${String(r['prediction_id'])},${verdicts[i]},expert`).join('\n')}\n`);
    },
  },
};

async function supplyGivenFiles(dir: string, command: string, t: TestContext): Promise<void> {
  const words = command.split(/\s+/);
  for (const [name, given] of Object.entries(GIVEN)) {
    if (!words.includes(name) && !words.includes(name.replace(/\/$/, ''))) continue;
    const file = path.join(dir, name.replace(/\/$/, ''));
    if (fs.existsSync(file)) continue;
    await given.make(file, dir);
    t.diagnostic(`  given: ${name} (${given.what})`);
  }
}

/** Runs `lines` in order in `dir`; every line left out says why. */
async function runLines(dir: string, lines: readonly ShellLine[], t: TestContext): Promise<number> {
  let ran = 0;
  for (const l of lines) {
    const where = `${l.page}:${l.line}`;
    if (l.notRun !== undefined) {
      t.diagnostic(`${where}: not run: ${l.command} (${l.notRun})`);
      continue;
    }
    if (/^alias dsi=/.test(l.command)) continue; // the alias every line below runs with
    if (!/^dsi\s/.test(l.command)) {
      t.diagnostic(`${where}: not run: ${l.command} (not a dsi command)`);
      continue;
    }
    const standIn = await addSmallDataset(dir, l.command);
    if (standIn !== undefined) {
      t.diagnostic(`${where}: ${l.command}: stand-in: ${standIn}`);
      ran++;
      continue;
    }
    await supplyGivenFiles(dir, l.command, t);
    const command = await withIds(dir, l.command, t);
    const started = performance.now();
    const r = spawnSync('bash', ['-c', `dsi() { "${process.execPath}" "${DSI}" "$@"; }\n${command}`], { cwd: dir, encoding: 'utf8', input: '' });
    assert.equal(r.status, 0, `${where}: ${command}\nexited ${r.status}: ${r.stderr.trim()}`);
    const seconds = (performance.now() - started) / 1000;
    if (seconds > 1) t.diagnostic(`${where}: ${seconds.toFixed(1)} s: ${command}`);
    ran++;
  }
  return ran;
}

describe('dsi lines of the docs', () => {
  for (const page of PAGES) {
    const lines = shellLines(BLOCKS.get(page)!);
    if (lines.length === 0) continue;
    it(`${page}: its dsi lines run in order from a fresh folder`, async (t) => {
      const after = continuesReadme(path.join(ROOT, page));
      let dir: string;
      if (after) {
        assert.ok(readmeFolder !== undefined, 'the README ran first');
        dir = path.join(work, page.replace(/[^A-Za-z0-9]/g, '_'));
        fs.cpSync(readmeFolder, dir, { recursive: true, verbatimSymlinks: true });
        t.diagnostic(`${page} continues from the README's folder`);
      } else dir = freshFolder(page.replace(/[^A-Za-z0-9]/g, '_'));
      const ran = await runLines(dir, lines, t);
      if (page === 'README.md') readmeFolder = dir;
      t.diagnostic(`${ran} of ${lines.length} lines ran`);
    });
  }
});

describe('doc block extraction', () => {
  it('reads annotations, joins continued lines, keeps quoted # and knows a page that continues the README', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-doc-blocks-')), 'page.md');
    try {
      fs.writeFileSync(
        file,
        [
          '# Page',
          '<!-- not-tested: a listing -->',
          '```ts',
          'f(x = 1);',
          '```',
          '<!-- ts-context: declare const store: unknown; -->',
          '',
          '```ts',
          'store;',
          '```',
          '```sh',
          '# output only',
          'dsi find "a # b" --json   # a comment',
          'dsi ml train --table t \\',
          '  --epochs 50   # (not run in tests: minutes)',
          '```',
        ].join('\n'),
      );
      const blocks = codeBlocks(file, 'page.md');
      assert.deepEqual(blocks.map((b) => [b.line, b.lang, b.notTested ?? null, b.context]), [
        [3, 'ts', 'a listing', ''],
        [8, 'ts', null, 'declare const store: unknown;'],
        [11, 'sh', null, ''],
      ]);
      assert.deepEqual(shellLines(blocks), [
        { page: 'page.md', line: 13, command: 'dsi find "a # b" --json' },
        { page: 'page.md', line: 14, command: 'dsi ml train --table t  --epochs 50', notRun: 'minutes' },
      ]);
      assert.deepEqual(withoutComment("dsi query 'x#y' # why"), { command: "dsi query 'x#y'", comment: 'why' });
      assert.equal(continuesReadme(file), false);
      fs.appendFileSync(file, '\nA page says `<!-- doc-test: after README.md -->` in prose.\n');
      assert.equal(continuesReadme(file), false, 'a mention in prose is not the annotation');
      fs.appendFileSync(file, '<!-- doc-test: after README.md -->\n');
      assert.equal(continuesReadme(file), true);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
