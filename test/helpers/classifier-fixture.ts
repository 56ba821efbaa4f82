/**
 * A store holding a whole dataset (MNIST or Fashion-MNIST, 70,000 rows through `addDataset`) and
 * a classifier trained on its training split with the recipe below, for the tests that need real
 * features (the classifier's own tests, the GAN metrics):
 *
 * ```ts
 * const { store, db, dir, runId } = await mnistClassifierStore(); // test accuracy ≥ 99 %
 * ```
 *
 * Built once per process (memoised) and removed when the process exits. Training takes about two
 * minutes on two cores, so a trained classifier is also kept across processes in
 * `os.tmpdir()/dsi-classifier-cache/KEY/`, where KEY is the SHA-256 of the compiled training code
 * (the model, the training loop, the data loading and the batch order), the recipe, the dataset
 * and the libtorch version: any change to them trains anew. An entry (the run's folder and its
 * `ml_runs`, `ml_epochs` and `ml_evaluations` rows) is written into a temporary folder renamed
 * into place, so a reader sees a whole entry or none; a reused run is imported into the new store
 * under its own run id, with the same files at the same relative paths. `DSI_CLASSIFIER_CACHE=0`
 * turns the cache off (always train). Test files run two at a time, so one process trains while
 * another that needs the same entry waits for it (a `KEY.lock` folder holding the trainer's PID;
 * a lock whose process is gone is taken over) instead of training the same classifier twice.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDataset } from '../../src/datasets/add-dataset.js';
import { RunRegistry, trainClassifier, type TrainClassifierOptions } from '../../src/ml/index.js';
import { Store } from '../../src/store/store.js';
import { openStore } from '../../src/index.js';
import type { Row } from '../../src/store/types.js';
import * as torch from '../../src/torch/index.js';

export interface ClassifierStore {
  readonly store: Store;
  /** The store's file. */
  readonly db: string;
  /** The folder holding the store (and its data folder). */
  readonly dir: string;
  /** The finished classifier run. */
  readonly runId: string;
  /** Whether the run came from the cross-process cache rather than training in this process. */
  readonly cached: boolean;
}

export type ClassifierDataset = 'mnist' | 'fashion-mnist';

/** The recipes: every option of the training call (threads as the machine has). */
export const CLASSIFIER_RECIPES: Readonly<Record<ClassifierDataset, { table: string; threshold: number; options: TrainClassifierOptions }>> = Object.freeze({
  mnist: { table: 'mnist', threshold: 0.99, options: { table: 'mnist', labelColumn: 'label', epochs: 3, batch: 128, lr: 2e-3, seed: 1 } },
  'fashion-mnist': { table: 'fashion_mnist', threshold: 0.9, options: { table: 'fashion_mnist', labelColumn: 'label', epochs: 3, batch: 128, lr: 2e-3, seed: 1 } },
});

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The compiled files whose code decides the trained weights. */
const TRAINING_CODE = [
  '../../src/ml/models/classifier.js',
  '../../src/ml/train/train-classifier.js',
  '../../src/ml/train/classifier-data.js',
  '../../src/ml/train/training-run-options.js',
  '../../src/ml/train/training-session.js',
  '../../src/ml/train/image-batches.js',
  '../../src/ml/data/training-data.js',
  '../../src/ml/data/seeded-random.js',
  '../../src/ml/data/condition-columns.js',
].map((f) => path.resolve(HERE, f));

const CACHE_ROOT = path.join(os.tmpdir(), 'dsi-classifier-cache');
const CACHE_ON = process.env['DSI_CLASSIFIER_CACHE'] !== '0';
const TABLES = ['ml_runs', 'ml_epochs', 'ml_evaluations'] as const;

interface CacheManifest {
  runId: string;
  /** The run's folder relative to the store's folder. */
  folder: string;
  rows: Record<(typeof TABLES)[number], Row[]>;
}

function cacheKey(dataset: ClassifierDataset): string {
  const h = crypto.createHash('sha256');
  for (const f of TRAINING_CODE) h.update(fs.readFileSync(f));
  h.update(JSON.stringify({ dataset, recipe: CLASSIFIER_RECIPES[dataset].options, libtorch: torch.buildInfo().version }));
  return h.digest('hex').slice(0, 32);
}

const plain = (row: Row): Row => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])) as Row;

/** The cached entry, or undefined when there is none (or it is unreadable). */
function readCache(key: string): { manifest: CacheManifest; files: string } | undefined {
  const entry = path.join(CACHE_ROOT, key);
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(entry, 'manifest.json'), 'utf8')) as CacheManifest;
    const files = path.join(entry, 'run');
    if (typeof manifest.runId !== 'string' || !fs.existsSync(files) || TABLES.some((t) => !Array.isArray(manifest.rows[t]))) return undefined;
    return { manifest, files };
  } catch {
    return undefined;
  }
}

/** Writes an entry through a temporary folder renamed into place; a concurrent writer's entry wins. */
async function writeCache(key: string, store: Store, runId: string): Promise<void> {
  const registry = new RunRegistry(store);
  const folder = registry.runFolder(runId);
  const rows = {} as CacheManifest['rows'];
  for (const t of TABLES) rows[t] = (await store.query(`SELECT * FROM ${t} WHERE run_id = ?`, [runId])).map(plain);
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  const temp = path.join(CACHE_ROOT, `.${key}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    fs.cpSync(folder.absolute, path.join(temp, 'run'), { recursive: true });
    const manifest: CacheManifest = { runId, folder: folder.relative, rows };
    fs.writeFileSync(path.join(temp, 'manifest.json'), JSON.stringify(manifest));
    fs.renameSync(temp, path.join(CACHE_ROOT, key));
  } catch {
    // Another process wrote the entry first (or the cache folder is not writable): keep theirs.
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/** Copies a cached run's files and rows into `store`. */
async function importCached(store: Store, cached: { manifest: CacheManifest; files: string }): Promise<string> {
  const registry = new RunRegistry(store);
  const { runId } = cached.manifest;
  const folder = registry.runFolder(runId);
  if (folder.relative !== cached.manifest.folder) throw new Error(`the cached run lived in ${cached.manifest.folder}, this store keeps it in ${folder.relative}`);
  fs.cpSync(cached.files, folder.absolute, { recursive: true });
  await registry.transaction(async (tx) => {
    for (const t of TABLES) if (cached.manifest.rows[t].length > 0) await tx.insert(t, cached.manifest.rows[t] as Row[]);
  });
  return runId;
}

async function build(dataset: ClassifierDataset): Promise<ClassifierStore> {
  const recipe = CLASSIFIER_RECIPES[dataset];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dsi-classifier-${dataset}-`));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const db = path.join(dir, 'dsi.db');
  const store = await openStore(db);
  await addDataset(store, dataset, { download: false });
  const key = cacheKey(dataset);
  const cached = CACHE_ON ? readCache(key) : undefined;
  if (cached !== undefined) {
    try {
      return { store, db, dir, runId: await importCached(store, cached), cached: true };
    } catch {
      // An entry that does not fit this store: train instead.
    }
  }
  const lock = CACHE_ON ? await trainingLock(key) : undefined;
  if (lock === 'cached') {
    const entry = readCache(key);
    if (entry !== undefined) {
      try {
        return { store, db, dir, runId: await importCached(store, entry), cached: true };
      } catch {
        // An entry that does not fit this store: train instead.
      }
    }
  }
  try {
    return await train(dataset, store, db, dir, key);
  } finally {
    if (typeof lock === 'string' && lock !== 'cached') fs.rmSync(lock, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Waits until this process may train the entry `key`: returns the lock folder it now holds, or
 * 'cached' once another process has written the entry. A lock whose process is gone is taken over.
 */
export async function trainingLock(key: string): Promise<string | 'cached'> {
  const lock = path.join(CACHE_ROOT, `${key}.lock`);
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  for (;;) {
    if (readCache(key) !== undefined) return 'cached';
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      process.once('exit', () => fs.rmSync(lock, { recursive: true, force: true }));
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
    } catch {
      // The lock is being made or removed: look again.
    }
    const stale = Number.isInteger(owner) && owner > 0 ? !processAlive(owner) : Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 30_000;
    if (stale) fs.rmSync(lock, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function train(dataset: ClassifierDataset, store: Store, db: string, dir: string, key: string): Promise<ClassifierStore> {
  const recipe = CLASSIFIER_RECIPES[dataset];
  const result = await trainClassifier(store, recipe.options);
  if (result.status !== 'finished' || result.test_accuracy === null || result.test_accuracy < recipe.threshold) {
    throw new Error(`the ${dataset} classifier recipe reached ${result.test_accuracy} test accuracy, below ${recipe.threshold}`);
  }
  if (CACHE_ON) await writeCache(key, store, result.run_id);
  return { store, db, dir, runId: result.run_id, cached: false };
}

const built = new Map<ClassifierDataset, Promise<ClassifierStore>>();

/** The store with `dataset` and its trained classifier (see the file comment); once per process. */
export function classifierStore(dataset: ClassifierDataset): Promise<ClassifierStore> {
  let p = built.get(dataset);
  if (p === undefined) {
    p = build(dataset);
    built.set(dataset, p);
  }
  return p;
}

/** MNIST in table `mnist` and a classifier of ≥ 99 % test accuracy trained on its training split. */
export async function mnistClassifierStore(): Promise<ClassifierStore> {
  return classifierStore('mnist');
}

/** Fashion-MNIST in table `fashion_mnist` and a classifier of ≥ 90 % test accuracy. */
export async function fashionClassifierStore(): Promise<ClassifierStore> {
  return classifierStore('fashion-mnist');
}

