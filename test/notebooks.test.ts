/**
 * `dsi notebook install` and the kernels it registers, and every example notebook executed by
 * Jupyter itself (`jupyter nbconvert --execute`, as a user would run them headless): the command
 * writes both kernel specs where Jupyter looks (a temporary JUPYTER_DATA_DIR here, never the
 * machine's own kernels); the store tour, copied to a folder outside the repository, imports
 * `dsi-ts`, shows paged tables and prints a failing cell's one line; the MNIST loop at test scale
 * shows images, run cards, charts and a heat map; the Python notebook reads the store that loop
 * made with pandas and loads its newest GAN checkpoint in PyTorch. Skipped, with the reason, only
 * where Jupyter or the Python packages are missing (scripts/setup.sh installs both).
 */
import { describe, it, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findJupyter } from '../src/notebook/kernel-spec.js';
import { VEGA_LITE_MIME } from '../src/notebook/index.js';
import { failureOf } from './helpers/cli-run.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin', 'dsi.js');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const NOTEBOOKS = path.join(ROOT, 'examples', 'notebooks');
const FROM_PYTHON = path.join(NOTEBOOKS, 'from-python.ipynb');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking this process (the store is trained meanwhile). */
function start(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { env, cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: unknown }).code as number | null) ?? null : 0, stdout, stderr });
    });
  });
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

const joined = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join('') : (v ?? ''));
/** Everything a cell shows as text: its streams, its plain and HTML data, its error. */
const shown = (cell: Cell): string =>
  (cell.outputs ?? []).map((o) => `${joined(o.text)}${joined(o.data?.['text/plain'])}${joined(o.data?.['text/html'])}${o.evalue ?? ''}`).join('\n');

/** Executes `notebook` with `jupyter nbconvert` into `outDir` and returns its cells with their outputs. */
async function execute(jupyter: string, notebook: string, outDir: string, env: NodeJS.ProcessEnv): Promise<Cell[]> {
  const out = path.join(outDir, `executed-${path.basename(notebook)}`);
  // No --allow-errors: a cell that fails stops the run, unless it is tagged raises-exception.
  const args = ['nbconvert', '--to', 'notebook', '--execute', `--output=${out}`, '--ExecutePreprocessor.timeout=240', notebook];
  const r = await start(jupyter, args, env, path.dirname(notebook));
  assert.equal(r.code, 0, `nbconvert of ${path.basename(notebook)} failed:\n${r.stderr.slice(-4000)}`);
  return (JSON.parse(fs.readFileSync(out, 'utf8')) as { cells: Cell[] }).cells;
}

let jupyter: string | undefined;
/** Why everything is skipped (no Jupyter), or only the Python kernel's parts. */
let noJupyter: string | undefined;
let noPython: string | undefined;
let work: string;
let env: NodeJS.ProcessEnv;
let install: Ran;

function needs(t: TestContext, python = false): boolean {
  const reason = noJupyter ?? (python ? noPython : undefined);
  if (reason === undefined) return true;
  t.skip(reason);
  console.log(`# skipped: ${reason}`);
  return false;
}

before(async () => {
  jupyter = await findJupyter();
  if (jupyter === undefined) {
    noJupyter = 'no Jupyter with kernelspec and nbconvert (scripts/setup.sh installs Debian\'s as root; otherwise: sudo apt-get install -y jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel python3-nbclient)';
    return;
  }
  const probe = spawnSync(PYTHON, ['-c', 'import torch, safetensors, ipykernel, pandas'], { encoding: 'utf8' });
  // Without them `dsi notebook install` would run pip, which is not for a test to do.
  if (probe.status !== 0) noPython = `${PYTHON} lacks torch, safetensors, ipykernel or pandas (scripts/setup.sh installs them): ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}`;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-notebook-'));
  const data = path.join(work, 'jupyter-data');
  env = {
    ...process.env,
    JUPYTER_DATA_DIR: data,
    JUPYTER_PATH: data,
    JUPYTER_CONFIG_DIR: path.join(work, 'jupyter-config'),
    JUPYTER_RUNTIME_DIR: path.join(work, 'jupyter-runtime'),
    IPYTHONDIR: path.join(work, 'ipython'),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  install = await start(process.execPath, [CLI, 'notebook', 'install', '--json', '--user', ...(noPython === undefined ? [] : ['--no-python'])], env);
});

after(() => {
  if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
});

describe('dsi notebook install', () => {
  it('--json --user registers the TypeScript and Python kernels in the user\'s Jupyter folder, each running this package', (t) => {
    if (!needs(t)) return;
    assert.equal(install.code, 0, install.stderr);
    const r = JSON.parse(install.stdout) as Record<string, unknown>;
    const kernels = path.join(env['JUPYTER_DATA_DIR']!, 'kernels');
    assert.equal(r['kernel'], 'dsi-ts');
    assert.equal(r['kernelDir'], path.join(kernels, 'dsi-ts'));
    assert.equal(r['jupyter'], jupyter);
    assert.deepEqual(r['installedDebs'], []);
    const ts = JSON.parse(fs.readFileSync(path.join(kernels, 'dsi-ts', 'kernel.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(ts['argv'], [process.execPath, path.join(ROOT, 'dist/src/notebook/kernel.js'), '{connection_file}']);
    assert.equal(ts['display_name'], 'TypeScript (dsi-ts)');
    assert.equal(ts['language'], 'typescript');
    if (noPython !== undefined) {
      t.diagnostic(`Python kernel not checked: ${noPython}`);
      return;
    }
    assert.equal(r['pythonKernel'], 'dsi-python');
    assert.equal(r['pythonKernelDir'], path.join(kernels, 'dsi-python'));
    assert.equal(r['pythonSkipped'], undefined);
    const py = JSON.parse(fs.readFileSync(path.join(kernels, 'dsi-python', 'kernel.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(py['argv'], [PYTHON, '-m', 'ipykernel_launcher', '-f', '{connection_file}']);
    assert.equal(py['display_name'], 'Python (dsi-ts: pandas, PyTorch)');
    assert.equal(py['language'], 'python');
    assert.deepEqual(py['env'], { DSI_TS_ROOT: ROOT });
  });

  it('run again, it replaces the spec with the same one and says where it went and what to run next', async (t) => {
    if (!needs(t)) return;
    const specFile = path.join(env['JUPYTER_DATA_DIR']!, 'kernels', 'dsi-ts', 'kernel.json');
    const before = fs.readFileSync(specFile, 'utf8');
    const again = await start(process.execPath, [CLI, 'notebook', 'install', '--user', '--no-python'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^registered the TypeScript kernel dsi-ts in ${path.join(env['JUPYTER_DATA_DIR']!, 'kernels', 'dsi-ts')}$`, 'm'));
    assert.match(again.stdout, /^next: \S+jupyter notebook \S*examples\/notebooks\/$/m);
    assert.doesNotMatch(again.stdout, /Python kernel/);
    assert.equal(fs.readFileSync(specFile, 'utf8'), before);
  });

  it('refuses a bad kernel name and --user with --prefix, exit 2, before touching Jupyter', async () => {
    assert.deepEqual(await failureOf(['notebook', 'install', '--name', 'my kernel']), { status: 2, line: 'dsi: --name must be a kernel name of letters, digits, \'.\', \'_\' and \'-\', got "my kernel"' });
    assert.deepEqual(await failureOf(['notebook', 'install', '--user', '--prefix', os.tmpdir()]), { status: 2, line: 'dsi: give --user or --prefix, not both' });
  });
});

/** The data of a cell's outputs of MIME type `mime`. */
const dataOf = (cell: Cell, mime: string): string[] => (cell.outputs ?? []).flatMap((o) => (o.data?.[mime] === undefined ? [] : [typeof o.data[mime] === 'object' && !Array.isArray(o.data[mime]) ? JSON.stringify(o.data[mime]) : joined(o.data[mime])]));
/** The code cells of `cells` whose source contains `text`. */
const cellWith = (cells: readonly Cell[], text: string): Cell => {
  const found = cells.find((c) => c.cell_type === 'code' && joined(c.source).includes(text));
  assert.ok(found, `a cell with ${text}`);
  return found;
};

/** The MNIST loop's store, once its notebook has run (the Python notebook reads it). */
let mnistStore: Promise<string> | undefined;

// The tour and the MNIST loop run side by side: the tour mostly waits for its kernel to start.
describe('the example notebooks under jupyter nbconvert --execute', { concurrency: true }, () => {
  it('store-tour, from a folder outside the repository: paged tables with their columns, the tables, found rows, a failing cell in one line', async (t) => {
    if (!needs(t)) return;
    const folder = path.join(work, 'elsewhere');
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(NOTEBOOKS, 'store-tour.ipynb'), path.join(folder, 'store-tour.ipynb'));
    const cells = await execute(jupyter!, path.join(folder, 'store-tour.ipynb'), folder, { ...env, DSI_EXAMPLES: path.join(ROOT, 'examples') });
    const wildfire = dataOf(cellWith(cells, "{ table: 'wildfire' }"), 'text/html')[0]!;
    assert.match(wildfire, /<th>wind_speed<\/th><th>wdir<\/th><th>smois<\/th>.*<th>burned_area<\/th><th>FILE<\/th>/);
    assert.equal(wildfire.match(/type="radio"/g)?.length, 10, '200 of 1,889 rows embedded, 20 a page');
    assert.match(wildfire, /showing 200 of 1,889 rows/);
    assert.match(dataOf(cellWith(cells, 'await show(store);'), 'text/plain')[0]!, /^math\s+7\s+2$/m);
    assert.match(dataOf(cellWith(cells, "store.find('wind_speed > 5')"), 'text/html')[0]!, /<th>dsi_table_name<\/th>/);
    assert.match(dataOf(cellWith(cells, 'store.units()'), 'text/plain')[0]!, /^physics\s+r\s+million grams$/m);
    // dsi-ts/torch from outside the repository too: the network learns XOR.
    const xor = [...dataOf(cellWith(cells, "import * as torch from 'dsi-ts/torch'"), 'text/plain')[0]!.matchAll(/^(\d)\s+(\d)\s+(\d)\s+([\d.]+)$/gm)];
    assert.equal(xor.length, 4);
    for (const [, a, b, expected, p] of xor) assert.equal(Number(p) > 0.5, expected === '1', `${a} xor ${b}: p(1) = ${p}`);
    const error = shown(cellWith(cells, "store.find('wind_speed >> 5')")).trim();
    assert.match(error, /^dsi: find "wind_speed >> 5": .*unknown operator ">>".* \(E_FIND_SYNTAX\)$/);
    assert.equal(error.split('\n').length, 1, `one line, not a stack: ${error}`);
    assert.ok(!cells.some((c) => (c.outputs ?? []).some((o) => o.output_type === 'error')), 'no error output but the one line');
  });

  it('mnist-loop at test scale: digits as images, run cards with curves and samples, predictions, evaluation and SHAP charts, a heat map, the lineage', async (t) => {
    if (!needs(t)) return;
    const db = path.join(work, 'mnist', 'dsi.db');
    fs.mkdirSync(path.dirname(db));
    let ran!: (db: string) => void;
    mnistStore = new Promise((resolve) => (ran = resolve));
    const cells = await execute(jupyter!, path.join(NOTEBOOKS, 'mnist-loop.ipynb'), work, { ...env, DSI_NOTEBOOK_SCALE: 'test', DSI_NOTEBOOK_STORE: db });
    ran(db);
    const images = (html: string) => html.match(/src="data:image\/png;base64,/g)?.length ?? 0;
    const digits = dataOf(cellWith(cells, 'await addDataset('), 'text/html')[0]!;
    assert.equal(images(digits), 24);
    assert.match(digits, /label<\/span> 5/);
    const card = dataOf(cellWith(cells, 'const gan = await trainGan('), 'text/html')[0]!;
    assert.match(card, /<b>gan-[\w-]+<\/b> · gan · cdcgan · <span[^>]*>finished<\/span>/);
    assert.match(card, /src="data:image\/svg\+xml;base64,/);
    assert.match(card, /samples after epoch 2/);
    assert.equal(images(dataOf(cellWith(cells, 'await predictGan('), 'text/html')[0]!), 20);
    const evaluation = cellWith(cells, 'await evaluateRun(');
    assert.match(dataOf(evaluation, 'text/html')[0]!, /<th>condition<\/th><th>n_real<\/th><th>n_generated<\/th><th>fid<\/th>/);
    const chart = JSON.parse(dataOf(evaluation, VEGA_LITE_MIME)[0]!) as { data: { values: { label: string }[] } };
    assert.deepEqual(chart.data.values.map((v) => v.label), Array.from({ length: 10 }, (_, i) => `label=${i}`));
    assert.equal(dataOf(evaluation, 'image/png').length, 1, 'the chart as PNG too');
    const explained = cellWith(cells, 'await explainRun(');
    assert.equal(dataOf(explained, VEGA_LITE_MIME).length, 2, 'the SHAP bars of the GAN and of the classifier');
    assert.match(dataOf(explained, 'text/html')[0]!, /heat map: red raised/);
    assert.match(dataOf(cellWith(cells, 'await acceptPredictions('), 'text/html')[1]!, /parent<\/td><td[^>]*>gan-/);
    assert.match(dataOf(cellWith(cells, 'await runLineage('), 'text/plain')[0]!, /^lineage of gan-/);
    assert.ok(!cells.some((c) => (c.outputs ?? []).some((o) => o.output_type === 'error' || (o.name === 'stderr' && joined(o.text).trim() !== ''))), 'no error, nothing on stderr');
  });

  it('from-python on the MNIST loop\'s store: pandas DataFrames, the newest GAN checkpoint loaded and rebuilt in PyTorch', async (t) => {
    if (!needs(t, true)) return;
    const db = await new Promise<string>((resolve, reject) => {
      const wait = () => (mnistStore ? mnistStore.then(resolve, reject) : setTimeout(wait, 100));
      wait();
    });
    const newest = spawnSync(PYTHON, ['-c', `import sqlite3; print(sqlite3.connect(${JSON.stringify(db)}).execute("SELECT run_id FROM ml_runs WHERE kind = 'gan' ORDER BY created_at DESC, rowid DESC LIMIT 1").fetchone()[0])`], { encoding: 'utf8' }).stdout.trim();
    const cells = await execute(jupyter!, FROM_PYTHON, work, { ...env, DSI_NOTEBOOK_STORE: db });
    const code = cells.filter((c) => c.cell_type === 'code');
    const all = code.map(shown).join('\n');
    // DataFrames as pandas' HTML tables, with the store's own names in them.
    const html = code.flatMap((c) => (c.outputs ?? []).map((o) => joined(o.data?.['text/html']))).filter((h) => h.includes('<table'));
    assert.ok(html.some((h) => h.includes('class="dataframe"') && h.includes(newest) && h.includes('FILE_checkpoint')), 'ml_runs as a DataFrame');
    assert.ok(html.some((h) => h.includes('<th>split</th>')), 'the mnist table as a DataFrame');
    assert.match(all, new RegExp(`run ${newest}: cdcgan 28x28x1, noise 100, conditions \\['label'\\]; checkpoint after \\d+ epochs?`));
    assert.match(all, /loaded generator\.safetensors: \d+ tensors, [\d,]+ values/);
    assert.match(all, /generator rebuilt in PyTorch [^:]+: all \d+ tensors match by name and shape; generated \(10, 1, 28, 28\) for label = \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\]/);
    const png = code.flatMap((c) => c.outputs ?? []).find((o) => o.data?.['image/png'] !== undefined);
    assert.ok(png, 'the generated images as a PNG');
    assert.equal(Buffer.from(joined(png.data!['image/png']), 'base64').subarray(1, 4).toString(), 'PNG');
    assert.ok(!code.some((c) => (c.outputs ?? []).some((o) => o.output_type === 'error')), 'no cell failed');
  });
});
