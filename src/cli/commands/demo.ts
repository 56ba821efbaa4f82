/**
 * `dsi demo`: the shipped examples ingested into a fresh store and shown, then (unless --no-ml) the
 * ML workflow in brief. Every step is a `dsi` command line built once, printed as `$ dsi …` and
 * then run exactly as printed (`node bin/dsi.js` with the same arguments, in a child process), so
 * what the demo shows can be copied into a shell and gives the same result; each command shows its
 * own progress on stderr.
 *
 * `--out` is recreated only when it is absent or a store the demo made itself, so that running the
 * demo twice works and nothing else is ever deleted: the demo's store is recognised by its first
 * recorded read (`dsi_ingested`), the shipped `wildfiredata.csv` (by its SHA-256) into the table
 * `wildfire`, the demo's first step. Anything else at `--out` (a folder, a file that is not an
 * SQLite database, another store) is refused before anything changes, and so is an existing
 * `NAME.data` folder beside an absent `--out` (no store of the demo's owns it). The data folder
 * removed with a demo store is that store's own (`NAME.data`, as the store names it).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { removeTreeSync } from '../../atomic-write.js';
import { StoreError } from '../../errors.js';
import { openStore } from '../../index.js';
import { defaultDataFolder } from '../../store/store.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The example inputs shipped in the repository (examples/). */
const EXAMPLES = path.resolve(HERE, '../../../../examples');
/** The `dsi` command's script. */
const DSI = path.resolve(HERE, '../../../../bin/dsi.js');

/** `arg` as a POSIX shell word: bare when it is safe, else in single quotes, else in double quotes. */
export function shellWord(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  return `"${arg.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** The line a user types for `dsi` with `args`. */
export function commandLine(args: readonly string[]): string {
  return ['dsi', ...args].map(shellWord).join(' ');
}

/** A path as typed from the current folder. */
function typed(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' ? '.' : relative;
}

/**
 * Prints `$ dsi ARGS` and runs exactly that; a failing step (its own one-line reason already on
 * stderr) ends the demo with the step's exit status.
 */
function step(args: readonly string[], note?: string): void {
  process.stdout.write(`\n$ ${commandLine(args)}${note === undefined ? '' : `   # ${note}`}\n`);
  const r = spawnSync(process.execPath, [DSI, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`dsi: demo: this step failed (${r.signal ?? `exit status ${r.status}`}): ${commandLine(args)}\n`);
    process.exit(r.status ?? 1);
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('ingest the shipped examples into a fresh store and show list, summary, find and units; each step is printed as the dsi command it runs')
    .option('--out <file>', 'the store to (re)create', 'demo.db')
    .option('--no-ml', 'leave out the ML part (an emulator and its SHAP values; a surrogate of a heat-transfer simulation, validated and extended where it is least sure; MNIST, a short conditional GAN run, predictions, evaluation, acceptance, a child run)')
    .action(async (opts: { out: string; ml: boolean }) => {
      if (opts.out === '') throw new StoreError('E_BAD_ARGUMENT', 'demo: --out must name a store file');
      await clearDemoStore(opts.out);
      const db = typed(path.resolve(opts.out));
      const ex = (name: string) => typed(path.join(EXAMPLES, name));
      const dsi = (args: readonly string[], note?: string) => step(['--db', db, ...args], note);
      dsi(['read', ex('wildfiredata.csv'), '--table', 'wildfire']);
      dsi(['schema', '--apply', ex('yaml1_schema.json')]);
      dsi(['read', ex('student_test1.yml'), ex('student_test2.yml'), '--reader', 'yaml1']);
      dsi(['read', ex('results.toml'), ex('results1.toml'), '--reader', 'toml1']);
      dsi(['read', ex('example.toml')]);
      dsi(['list']);
      dsi(['summary', '--table', 'wildfire']);
      dsi(['find', 'wind_speed > 5']);
      dsi(['units']);
      if (opts.ml) {
        await demoEmulator(db, dsi, ex);
        await demoSurrogate(db, dsi);
        await demoMl(db, dsi);
      }
    });
}

type Step = (args: readonly string[], note?: string) => void;

/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** The demo's first step reads this shipped file into this table; its store's ledger starts so. */
const FIRST_FILE = 'wildfiredata.csv';
const FIRST_TABLE = 'wildfire';

/** Why the existing file `file` is not a store the demo made, or undefined when it is one. */
async function notDemoStore(file: string): Promise<string | undefined> {
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) return 'is not an SQLite database';
  let first: Record<string, unknown> | undefined;
  try {
    const store = await openStore(file, { readOnly: true });
    try {
      if (!(await store.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dsi_ingested'")).length) return 'holds no record of files read, as a store made by dsi demo does';
      first = (await store.query('SELECT table_name, sha256 FROM dsi_ingested ORDER BY rowid LIMIT 1'))[0];
    } finally {
      await store.close();
    }
  } catch (e) {
    return `cannot be opened as a store (${e instanceof Error ? e.message : String(e)})`;
  }
  const shipped = crypto.createHash('sha256').update(fs.readFileSync(path.join(EXAMPLES, FIRST_FILE))).digest('hex');
  if (first === undefined || first['table_name'] !== FIRST_TABLE || first['sha256'] !== shipped) {
    return `is a store that dsi demo did not make (its first read is not the shipped ${FIRST_FILE} into the table ${FIRST_TABLE})`;
  }
  return undefined;
}

/**
 * Makes room for the demo's store at `out` (see the file comment): removes a store the demo made
 * there, with its data folder and its -wal and -shm files; refuses anything else, changing nothing.
 */
export async function clearDemoStore(out: string): Promise<void> {
  const refuse = (what: string) =>
    new StoreError('E_UNSAFE_PATH', `demo: ${what}; the demo replaces only a store it made itself: give another --out, or remove it yourself`, { file: out });
  const data = defaultDataFolder(out);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (stat === undefined) {
    if (fs.existsSync(data)) throw refuse(`${out} does not exist, but ${typed(data)} does, and no store made by the demo owns it`);
    return;
  }
  if (stat.isDirectory()) throw refuse(`${out} is a folder, not a store file`);
  if (!stat.isFile()) throw refuse(`${out} is not a regular file`);
  const why = await notDemoStore(out);
  if (why !== undefined) throw refuse(`${out} exists and ${why}`);
  if (fs.existsSync(data) && !fs.lstatSync(data).isDirectory()) throw refuse(`${typed(data)}, where the store keeps its files, is not a folder`);
  // The data folder first: a demo killed midway leaves the store, still recognised next time.
  removeTreeSync(data);
  for (const suffix of ['-wal', '-shm', '']) fs.rmSync(`${out}${suffix}`, { force: true });
}

/** The newest run of `kind` in the store (the one the step before made). */
async function newestRun(db: string, kind: string, extra = ''): Promise<string> {
  const rows = await queryStore(db, `SELECT run_id FROM ml_runs WHERE kind = ? ${extra} ORDER BY created_at DESC, rowid DESC LIMIT 1`, [kind]);
  const id = rows[0]?.['run_id'];
  if (typeof id !== 'string') throw new StoreError('E_TABLE_MISSING', `demo: the store holds no ${kind} run`);
  return id;
}

async function queryStore(db: string, sql: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const store = await openStore(db);
  try {
    return await store.query(sql, params);
  } finally {
    await store.close();
  }
}

/** A tabular emulator of the wildfire runs, its hyper-parameters grid-searched, and the SHAP values of one prediction. */
async function demoEmulator(db: string, dsi: Step, ex: (name: string) => string): Promise<void> {
  dsi(['read', ex('wildfiredata_full.csv'), '--table', 'wildfire_runs']);
  dsi(['ml', 'train', '--model', 'random-forest', '--table', 'wildfire_runs', '--target', 'burned_area', '--features', 'wind_speed,wdir,smois,fuels,ignition', '--grid-search', '--seed', '1']);
  const emulator = await newestRun(db, 'regressor');
  dsi(['ml', 'explain', '--run', emulator, '--row', '1', '--background', '100', '--seed', '0']);
}

/**
 * A surrogate of a simulation, the loop of docs/ml-surrogates.md: a heat-transfer ensemble of 256
 * runs, a surrogate ensemble trained on it (about a minute on a 2-core CPU), validated against
 * the simulation at 40 new points, the 8 points where its members disagree most simulated and
 * added, a child trained from it on the grown table, and what drives the centre's temperature.
 */
async function demoSurrogate(db: string, dsi: Step): Promise<void> {
  dsi(['datasets', 'add', 'heat-transfer', '--seed', '1'], '256 runs of a 2D heat-conduction solver over 4 parameters, PNGs and provenance');
  dsi(['ml', 'train', '--model', 'surrogate', '--table', 'heat_transfer', '--cond-cols', 'source_x,source_y,diffusivity,anisotropy', '--seed', '1'], 'about a minute on a 2-core CPU');
  const surrogate = await newestRun(db, 'surrogate');
  dsi(['ml', 'validate', '--run', surrogate, '--points', '40', '--seed', '2'], 'the simulation run again at 40 new points: the surrogate against the nearest training run');
  const next = typed(path.join(path.dirname(db), `${path.basename(db, path.extname(db))}-next-points.csv`));
  dsi(['ml', 'suggest', '--run', surrogate, '--top', '8', '--out', next, '--seed', '3'], 'where the members disagree most');
  dsi(['datasets', 'add', 'heat-transfer', '--points', next], 'simulate those points and add them to the ensemble');
  dsi(['ml', 'train', '--from', surrogate, '--epochs', '5', '--seed', '4'], 'a child from the parent, on 264 runs');
  dsi(['ml', 'explain', '--run', surrogate, '--row', '1', '--region', '12,12,20,20'], "each parameter's share of the centre's mean temperature");
}

/**
 * The ML workflow in brief: MNIST as a table, a conditional GAN trained with the quick preset
 * (about 4 minutes on a 2-core CPU; recognisable digits of each class), ten images per digit and
 * their contact sheet, a one-epoch classifier whose confidence scores them, an evaluation with
 * per-digit faithfulness and diversity, the confident and distinct ones accepted, a child run
 * trained one epoch on the data plus the accepted images, the lineage that records it, and the
 * GAN run's report as one HTML file.
 */
async function demoMl(db: string, dsi: Step): Promise<void> {
  dsi(['datasets', 'add', 'mnist', '--no-download']);
  dsi(['ml', 'train', '--table', 'mnist', '--cond-cols', 'label', '--preset', 'quick', '--seed', '1'], 'the quick preset: about 4 minutes on a 2-core CPU');
  const gan = await newestRun(db, 'gan');
  dsi(['ml', 'predict', '--run', gan, '--grid', 'label=0..9', '--count', '10', '--seed', '0']);
  dsi(['query', 'SELECT run_id, epoch, d_loss, g_loss, FILE_samples FROM ml_epochs']);
  dsi(['ml', 'train', '--model', 'classifier', '--table', 'mnist', '--label-col', 'label', '--max-images', '4096', '--epochs', '1', '--seed', '1']);
  const reference = "SELECT * FROM mnist WHERE split = 'test' ORDER BY id LIMIT 1000";
  const predictions = `SELECT * FROM ml_predictions WHERE run_id = '${gan}'`;
  dsi(['ml', 'evaluate', '--run', gan, '--reference', reference, '--predictions', predictions, '--kid-subsets', '10', '--kid-subset-size', '30', '--seed', '0']);
  const scores = (await queryStore(db, 'SELECT score FROM ml_predictions WHERE run_id = ? ORDER BY score DESC', [gan])).map((r) => Number(r['score']));
  const median = Math.floor(scores[Math.floor(scores.length / 2) - 1]! * 1000) / 1000;
  dsi(['ml', 'accept', '--run', gan, '--rule', `score >= ${median}`, '--diverse'], "the better half by the classifier's confidence in the label, near-duplicates refused");
  dsi(['ml', 'train', '--from', gan, '--include-accepted', '--epochs', '1']);
  const child = await newestRun(db, 'gan', `AND parent_run_id = '${gan.replace(/'/g, "''")}'`);
  dsi(['ml', 'lineage', child]);
  const report = typed(path.join(path.dirname(db), `${path.basename(db, path.extname(db))}-report.html`));
  dsi(['report', '--run', gan, '--out', report], 'one self-contained HTML file: parameters, curves, samples, evaluations, lineage');
  process.stdout.write(`\nto look at all of it in a browser (tables, gallery, runs, evaluations, review): dsi --db ${shellWord(db)} serve\n`);
}
