/**
 * The emulator grid search on the wildfire example: for each model, `trainEmulator` with
 * `gridSearch: true` (5-fold CV over the model's grid on the training rows, refit, held-out
 * metrics, run recorded) predicting burned_area from wind_speed, wdir, smois, fuels and ignition.
 * Target: each model's grid search under 10 s on a 2-core machine.
 *
 * With scikit-learn in `.venv/bin/python` (or --python), scikit-learn's GridSearchCV is timed in
 * the same run on the same training rows, the same grid (our run's recorded candidates), a
 * StandardScaler + OneHotEncoder pipeline and 5 shuffled folds (`n_jobs=1`; ours runs on one
 * thread too), and its choice and held-out R² printed beside ours. Its folds are its own (KFold
 * with the seed), so the CV scores differ slightly; the held-out rows are the same.
 *
 *   npm run build
 *   node dist/bench/emulator-grid-search.js [--models linear,ridge,…] [--seed 1] [--csv FILE]
 *                                           [--python CMD] [--no-reference] [--json]
 *
 * Times are wall clock of one run each (the whole train call: load, CV, refit, metrics, run rows
 * and checkpoint; for scikit-learn: GridSearchCV.fit with its refit). Nothing here is a test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RunRegistry, trainEmulator, EMULATOR_MODELS, type EmulatorModel, type HyperParameters, type TrainEmulatorResult } from '../src/ml/index.js';
import { openStore } from '../src/index.js';
import * as torch from '../src/torch/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: EMULATOR_MODELS.join(',') },
    seed: { type: 'string', default: '1' },
    csv: { type: 'string', default: path.join(repoRoot, 'examples', 'wildfiredata_full.csv') },
    python: { type: 'string' },
    'no-reference': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const TARGET_S = 10;
const TARGET = 'burned_area';
const FEATURES = ['wind_speed', 'wdir', 'smois', 'fuels', 'ignition'];
const seed = Number(values.seed);
const models = values.models.split(',').map((m) => m.trim()) as EmulatorModel[];
for (const m of models) if (!(EMULATOR_MODELS as readonly string[]).includes(m)) throw new Error(`--models: unknown model "${m}" (${EMULATOR_MODELS.join(', ')})`);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** scikit-learn's GridSearchCV on the same rows and grid; argv: csv, job JSON file. Prints JSON. */
const PYTHON_REFERENCE = String.raw`
import csv, json, sys, time, warnings
import numpy as np
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Lasso, LinearRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
import sklearn
warnings.filterwarnings('ignore')
csv_file, job_file = sys.argv[1], sys.argv[2]
job = json.load(open(job_file))
rows = list(csv.DictReader(open(csv_file, newline='')))
feats, target = job['features'], job['target']
def isnum(s):
    try:
        float(s); return True
    except ValueError:
        return False
text = [j for j, f in enumerate(feats) if not all(isnum(r[f]) for r in rows)]
num = [j for j in range(len(feats)) if j not in text]
X = np.array([[float(r[f]) if j in num else r[f] for j, f in enumerate(feats)] for r in rows], dtype=object)
y = np.array([float(r[target]) for r in rows])
out = {'sklearn': sklearn.__version__, 'rows': len(rows), 'models': {}}
for m in job['models']:
    test = np.array(m['test_rows']) - 1
    train = np.setdiff1d(np.arange(len(rows)), test)
    name, grid, seed = m['model'], m['grid'], job['seed']
    def pgrid(h):
        if name in ('ridge', 'lasso'): return {'model__alpha': [h['alpha']]}
        if name == 'knn': return {'model__n_neighbors': [h['k']], 'model__weights': [h['weights']]}
        if name == 'random-forest': return {'model__n_estimators': [h['trees']], 'model__max_depth': [h['max_depth']]}
        if name == 'mlp': return {'model__regressor__hidden_layer_sizes': [tuple(h['hidden'])], 'model__regressor__learning_rate_init': [h['lr']]}
        return {}
    base = m['base']
    est = {
        'linear': lambda: LinearRegression(),
        'ridge': lambda: Ridge(),
        'lasso': lambda: Lasso(),
        'knn': lambda: KNeighborsRegressor(),
        'random-forest': lambda: RandomForestRegressor(random_state=seed, n_jobs=1),
        'mlp': lambda: TransformedTargetRegressor(regressor=MLPRegressor(max_iter=base.get('epochs', 200), batch_size=base.get('batch', 200), random_state=seed), transformer=StandardScaler()),
    }[name]()
    pipe = Pipeline([('encode', ColumnTransformer([('num', StandardScaler(), num), ('text', OneHotEncoder(handle_unknown='ignore'), text)])), ('model', est)])
    search = GridSearchCV(pipe, [pgrid(h) for h in grid], cv=KFold(5, shuffle=True, random_state=seed), scoring='neg_mean_squared_error', n_jobs=1, refit=True)
    t0 = time.perf_counter()
    search.fit(X[train], y[train])
    seconds = time.perf_counter() - t0
    best = {k.split('__')[-1]: (list(v) if isinstance(v, tuple) else v) for k, v in search.best_params_.items()}
    out['models'][name] = {'seconds': seconds, 'best': best, 'cv_mse': -search.best_score_, 'test_r2': r2_score(y[test], search.predict(X[test]))}
print(json.dumps(out))
`;

interface Ours {
  model: EmulatorModel;
  seconds: number;
  candidates: number;
  fits: number;
  best: HyperParameters;
  cv_mse: number | null;
  test_r2: number;
  n_train: number;
  n_test: number;
  grid: HyperParameters[];
  test_rows: number[];
}

interface ReferenceModel {
  seconds: number;
  best: Record<string, unknown>;
  cv_mse: number;
  test_r2: number;
}

async function runOurs(): Promise<Ours[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-emulator-'));
  const store = await openStore(path.join(dir, 'bench.db'));
  try {
    await store.read(values.csv, { table: 'wildfire' });
    const out: Ours[] = [];
    for (const model of models) {
      const started = performance.now();
      const r: TrainEmulatorResult = await trainEmulator(store, { model, table: 'wildfire', target: TARGET, features: FEATURES, gridSearch: true, seed });
      const seconds = (performance.now() - started) / 1000;
      const run = await new RunRegistry(store).getRun(r.run_id, 'regressor');
      const candidates = r.grid_search!.candidates;
      const best = candidates.find((c) => JSON.stringify(c.hyper) === JSON.stringify(r.hyper));
      out.push({
        model,
        seconds,
        candidates: candidates.length,
        fits: candidates.length * r.grid_search!.folds + 1,
        best: r.hyper,
        cv_mse: best?.mse ?? null,
        test_r2: r.metrics.r2,
        n_train: r.n_train,
        n_test: r.n_test,
        grid: candidates.map((c) => c.hyper),
        test_rows: (run.params['split'] as { test_rows: number[] }).test_rows,
      });
      log(`${model}: ${seconds.toFixed(2)} s for ${candidates.length} candidates × 5 folds + refit; chose ${JSON.stringify(r.hyper)}; held-out R² ${r.metrics.r2.toFixed(4)}`);
    }
    return out;
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function runReference(ours: Ours[]): { python: string; sklearn: string; models: Record<string, ReferenceModel> } | string {
  if (values['no-reference']) return 'skipped (--no-reference)';
  const python = values.python ?? (fs.existsSync(path.join(repoRoot, '.venv/bin/python')) ? path.join(repoRoot, '.venv/bin/python') : 'python3');
  if (spawnSync(python, ['-c', 'import sklearn'], { stdio: 'ignore' }).status !== 0) return `no scikit-learn in ${python}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-emulator-py-'));
  try {
    const job = path.join(dir, 'job.json');
    const base = (o: Ours): HyperParameters => ({ epochs: o.best.epochs ?? 200, batch: o.best.batch ?? 200 });
    fs.writeFileSync(job, JSON.stringify({ seed, target: TARGET, features: FEATURES, models: ours.map((o) => ({ model: o.model, grid: o.grid, base: base(o), test_rows: o.test_rows })) }));
    log(`scikit-learn reference (${python}) …`);
    const r = spawnSync(python, ['-c', PYTHON_REFERENCE, values.csv, job], { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
    if (r.status !== 0) return `the reference failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
    const parsed = JSON.parse(r.stdout) as { sklearn: string; models: Record<string, ReferenceModel> };
    return { python, sklearn: parsed.sklearn, models: parsed.models };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const short = (h: Record<string, unknown>): string =>
  Object.entries(h)
    .filter(([k]) => k !== 'epochs' && k !== 'batch')
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ') || '-';

torch.setNumThreads(1);
log(`wildfire: ${values.csv}; target ${TARGET}; features ${FEATURES.join(', ')}; seed ${seed}; cpus ${os.cpus().length}`);
const ours = await runOurs();
const reference = runReference(ours);
const ref = typeof reference === 'string' ? undefined : reference;

if (values.json) {
  process.stdout.write(`${JSON.stringify({ target_s: TARGET_S, seed, ours, reference }, null, 2)}\n`);
} else {
  const header = ['model', 'cands', 'ours s', 'vs 10 s', 'sklearn s', 'ours/sk', 'our choice', 'sklearn choice', 'R² ours', 'R² sk'];
  const rows = ours.map((o) => {
    const s = ref?.models[o.model];
    return [
      o.model,
      String(o.candidates),
      o.seconds.toFixed(2),
      `${((o.seconds / TARGET_S) * 100).toFixed(0)} %`,
      s === undefined ? '-' : s.seconds.toFixed(2),
      s === undefined ? '-' : `${(o.seconds / s.seconds).toFixed(2)}×`,
      short(o.best as Record<string, unknown>),
      s === undefined ? '-' : short(s.best),
      o.test_r2.toFixed(4),
      s === undefined ? '-' : s.test_r2.toFixed(4),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`);
  const total = ours.reduce((a, o) => a + o.seconds, 0);
  process.stdout.write(`all models: ${total.toFixed(2)} s; slowest ${Math.max(...ours.map((o) => o.seconds)).toFixed(2)} s against the ${TARGET_S} s target per model\n`);
  process.stdout.write(ref === undefined ? `reference: ${String(reference)}\n` : `reference: scikit-learn ${ref.sklearn} (${ref.python}), GridSearchCV n_jobs=1, same rows and grid\n`);
}
