/**
 * `dsi notebook install` and the kernels it registers, run by Jupyter itself: the command writes
 * both kernel specs where Jupyter looks (a temporary JUPYTER_DATA_DIR here, never the machine's
 * own kernels), a TypeScript notebook in a folder outside the repository imports `dsi-ts` and
 * queries a store, an error in a cell prints the project's one line, and the Python notebook
 * `examples/notebooks/from-python.ipynb` reads a store with pandas and loads its GAN checkpoint
 * in PyTorch. Skipped, with the reason, only where Jupyter or the Python packages are missing
 * (scripts/setup.sh installs both).
 */
import { describe, it, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findJupyter } from '../src/notebook/kernel-spec.js';
import { trainGan } from '../src/ml/index.js';
import { failureOf } from './helpers/cli-run.js';
import { makeMnistStore } from './helpers/mnist-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin', 'dsi.js');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const FROM_PYTHON = path.join(ROOT, 'examples', 'notebooks', 'from-python.ipynb');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking this process (the store is trained meanwhile). */
function start(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { env, cwd, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
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
async function execute(jupyter: string, notebook: string, outDir: string, env: NodeJS.ProcessEnv, allowErrors = false): Promise<Cell[]> {
  const out = path.join(outDir, `executed-${path.basename(notebook)}`);
  const args = ['nbconvert', '--to', 'notebook', '--execute', `--output=${out}`, '--ExecutePreprocessor.timeout=120', ...(allowErrors ? ['--allow-errors'] : []), notebook];
  const r = await start(jupyter, args, env, path.dirname(notebook));
  assert.equal(r.code, 0, `nbconvert of ${path.basename(notebook)} failed:\n${r.stderr.slice(-4000)}`);
  return (JSON.parse(fs.readFileSync(out, 'utf8')) as { cells: Cell[] }).cells;
}

/** A TypeScript notebook: what a user in another folder writes. */
function typescriptNotebook(db: string, kernel: string): object {
  const cell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  return {
    cells: [
      cell(`import { openStore } from 'dsi-ts';\nconst store = await openStore(${JSON.stringify(db)}, { readOnly: true });\nconst rows = await store.query('SELECT count(*) AS n, min(label) AS lo, max(label) AS hi FROM digits');\nconsole.log(JSON.stringify(rows));`),
      cell(`await store.query('DELETE FROM digits');`),
      cell(`await store.close();\nconsole.log('closed');`),
    ],
    metadata: { kernelspec: { name: kernel, display_name: 'TypeScript (dsi-ts)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

let jupyter: string | undefined;
/** Why everything is skipped (no Jupyter), or only the Python kernel's parts. */
let noJupyter: string | undefined;
let noPython: string | undefined;
let work: string;
let env: NodeJS.ProcessEnv;
let install: Ran;
let db: string;
let ganRun: string;

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
  // The install runs while the store's GAN trains.
  const installing = start(process.execPath, [CLI, 'notebook', 'install', '--json', '--user', ...(noPython === undefined ? [] : ['--no-python'])], env);
  const m = await makeMnistStore(path.join(work, 'store'), 64);
  db = m.db;
  ganRun = (await trainGan(m.store, { table: 'digits', conditionColumns: ['label'], maxImages: 32, epochs: 1, batch: 32, seed: 4, threads: 2 })).run_id;
  await m.store.close();
  install = await installing;
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

// The two notebooks run side by side: each mostly waits for its kernel to start.
describe('the kernels under jupyter nbconvert --execute', { concurrency: true }, () => {
  it('a TypeScript notebook in a folder outside the repository imports dsi-ts and queries the store; a failing cell prints one dsi: line', async (t) => {
    if (!needs(t)) return;
    const folder = path.join(work, 'elsewhere');
    fs.mkdirSync(folder);
    const notebook = path.join(folder, 'query.ipynb');
    fs.writeFileSync(notebook, JSON.stringify(typescriptNotebook(db, 'dsi-ts')));
    const [query, failing, closing] = await execute(jupyter!, notebook, folder, env, true);
    assert.deepEqual(JSON.parse(shown(query!).trim()), [{ n: 64, lo: 0, hi: 9 }]);
    const error = shown(failing!).trim();
    assert.match(error, /^dsi: .*read-only.* \(E_READ_ONLY\)$/);
    assert.equal(error.split('\n').length, 1, `one line, not a stack: ${error}`);
    assert.equal(shown(closing!).trim(), 'closed', 'the kernel keeps running after a failing cell');
  });

  it('from-python.ipynb reads the store with pandas and loads the newest GAN checkpoint in PyTorch', async (t) => {
    if (!needs(t, true)) return;
    const cells = await execute(jupyter!, FROM_PYTHON, work, { ...env, DSI_NOTEBOOK_STORE: db });
    const code = cells.filter((c) => c.cell_type === 'code');
    const all = code.map(shown).join('\n');
    // DataFrames as pandas' HTML tables, with the store's own names in them.
    const html = code.flatMap((c) => (c.outputs ?? []).map((o) => joined(o.data?.['text/html']))).filter((h) => h.includes('<table'));
    assert.ok(html.some((h) => h.includes('class="dataframe"') && h.includes(ganRun) && h.includes('FILE_checkpoint')), 'ml_runs as a DataFrame');
    assert.ok(html.some((h) => h.includes('brightness')), 'the digits table as a DataFrame');
    assert.match(all, new RegExp(`run ${ganRun}: cdcgan 28x28x1, noise 100, conditions \\['label'\\]; checkpoint after 1 epoch`));
    assert.match(all, /loaded generator\.safetensors: \d+ tensors, [\d,]+ values/);
    assert.match(all, /generator rebuilt in PyTorch [^:]+: all \d+ tensors match by name and shape; generated \(10, 1, 28, 28\) for label = \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\]/);
    const png = code.flatMap((c) => c.outputs ?? []).find((o) => o.data?.['image/png'] !== undefined);
    assert.ok(png, 'the generated images as a PNG');
    assert.equal(Buffer.from(joined(png.data!['image/png']), 'base64').subarray(1, 4).toString(), 'PNG');
    assert.ok(!code.some((c) => (c.outputs ?? []).some((o) => o.output_type === 'error')), 'no cell failed');
  });
});
