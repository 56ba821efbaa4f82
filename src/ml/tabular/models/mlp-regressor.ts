/**
 * A multi-layer perceptron regressor trained through the project's torch layer: Linear → ReLU
 * per hidden size, then Linear → 1, MSE on the target standardised with the training rows' mean
 * and population std (undone at predict time), Adam, mini-batches of `batch` consecutive rows of
 * the order `epochPermutation(rows, seed, epoch)` gives (full batch when `batch` ≥ rows).
 * `torch.manualSeed(seed)` before the layers are built fixes the initial weights, so a seed fixes
 * the fit (on the same thread count). Defaults are scikit-learn's `MLPRegressor`'s: one hidden
 * layer of 100, 200 epochs, lr 1e-3, batches of 200.
 *
 * Data-parallel (`context.dataParallel`, W workers): each worker takes its share of every
 * epoch's order and steps on batches of `batch` of it with gradients averaged over the workers,
 * so the fit is one process's at batch `batch`·W; the epoch loss is the mean over all shares.
 *
 * The checkpoint keeps the weights as `model.safetensors` (PyTorch's state-dict keys `0.weight`,
 * `0.bias`, `2.weight`, …, loadable into the same `nn.Sequential` in Python).
 */
import path from 'node:path';
import { MlError } from '../../../errors.js';
import * as torch from '../../../torch/index.js';
import { epochPermutation } from '../../data/seeded-random.js';
import { wholeNumberOption, type EncodedRows, type FitContext, type FittedRegressor, type HyperParameters, type RegressorFamily } from './regressor.js';

export const MLP_WEIGHTS_FILE = 'model.safetensors';

/** Rows per forward pass at predict time (bounds the activations' memory). */
const PREDICT_CHUNK = 65_536;

function buildNet(width: number, hidden: readonly number[]): torch.nn.Sequential {
  const layers: torch.nn.Module[] = [];
  let d = width;
  for (const h of hidden) {
    layers.push(new torch.nn.Linear(d, h), new torch.nn.ReLU());
    d = h;
  }
  layers.push(new torch.nn.Linear(d, 1));
  return new torch.nn.Sequential(...layers);
}

export class MlpRegressor implements FittedRegressor {
  readonly #net: torch.nn.Sequential;
  readonly #hidden: readonly number[];
  readonly #width: number;
  readonly #yMean: number;
  readonly #yStd: number;
  #disposed = false;

  private constructor(net: torch.nn.Sequential, hidden: readonly number[], width: number, yMean: number, yStd: number) {
    this.#net = net;
    this.#hidden = hidden;
    this.#width = width;
    this.#yMean = yMean;
    this.#yStd = yStd;
  }

  /** Trains a new network on `data` (see the file comment); `onEpoch` hears each epoch's loss in the target's unit². */
  static async fit(data: EncodedRows, h: HyperParameters, context: FitContext): Promise<MlpRegressor> {
    const { rows: n, width: w } = data;
    const hidden = h.hidden!;
    const epochs = h.epochs!;
    const batch = Math.min(h.batch!, n);
    let yMean = 0;
    for (let i = 0; i < n; i++) yMean += data.y[i]!;
    yMean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (data.y[i]! - yMean) ** 2;
    const yStd = Math.sqrt(ss / n) || 1;

    torch.manualSeed(context.seed);
    const net = buildNet(w, hidden);
    const opt = new torch.optim.Adam(net.parameters(), { lr: h.lr! });
    const ys = new Float32Array(n);
    for (let i = 0; i < n; i++) ys[i] = (data.y[i]! - yMean) / yStd;
    const x = torch.keep(torch.tensor(Float32Array.from(data.x), { shape: [n, w] }));
    const y = torch.keep(torch.tensor(ys, { shape: [n, 1] }));
    const model = new MlpRegressor(net, hidden, w, yMean, yStd);
    const parallel = context.dataParallel !== undefined && context.dataParallel.worldSize > 1 ? context.dataParallel : undefined;
    const leave = parallel?.join([opt]);
    try {
      net.train();
      // A worker's rows an epoch: its share of the order (the padded length), or all of them.
      const rows = parallel === undefined ? n : Math.ceil(n / parallel.worldSize);
      const steps = Math.ceil(rows / batch);
      for (let epoch = 0; epoch < epochs; epoch++) {
        const t0 = performance.now();
        // One gather per epoch into the epoch's order; each step then takes a view of it.
        const shuffled =
          batch < n || parallel !== undefined
            ? torch.tidy(() => {
                const order = epochPermutation(n, context.seed, epoch);
                const index = torch.tensor(parallel === undefined ? order : parallel.shard(order));
                return [torch.keep(x.indexSelect(0, index)), torch.keep(y.indexSelect(0, index))] as const;
              })
            : undefined;
        let sum = 0;
        try {
          for (let s = 0; s < steps; s++) {
            const count = Math.min(batch, rows - s * batch);
            sum +=
              torch.tidy(() => {
                const xb = shuffled === undefined ? x : shuffled[0].narrow(0, s * batch, count);
                const yb = shuffled === undefined ? y : shuffled[1].narrow(0, s * batch, count);
                const loss = torch.F.mseLoss(net.forward(xb), yb);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                return loss.item();
              }) * count;
          }
        } finally {
          shuffled?.[0].dispose();
          shuffled?.[1].dispose();
        }
        const loss = (parallel === undefined ? sum / n : parallel.sum(sum) / (rows * parallel.worldSize)) * yStd * yStd;
        if (!Number.isFinite(loss)) throw new MlError('E_ML_RUN', (o) => `the MLP's loss diverged at epoch ${epoch + 1} (loss ${loss}); try a lower ${o('lr')}`);
        await context.onEpoch?.(epoch + 1, loss, (performance.now() - t0) / 1000);
      }
      net.eval();
      return model;
    } catch (e) {
      model.dispose();
      throw e;
    } finally {
      leave?.();
      x.dispose();
      y.dispose();
      opt.dispose();
    }
  }

  /** A network with the weights of a checkpoint folder's `model.safetensors`. */
  static load(folder: string, hidden: readonly number[], width: number, yMean: number, yStd: number): MlpRegressor {
    const net = buildNet(width, hidden);
    try {
      net.load(path.join(folder, MLP_WEIGHTS_FILE));
    } catch (e) {
      net.dispose();
      throw new MlError('E_ML_CHECKPOINT', `${folder}: the MLP's weights cannot be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    net.eval();
    return new MlpRegressor(net, hidden, width, yMean, yStd);
  }

  predict(x: Float64Array, rows: number): Float64Array {
    if (this.#disposed) throw new MlError('E_ML_RUN', 'the MLP was disposed');
    const w = this.#width;
    const out = new Float64Array(rows);
    for (let start = 0; start < rows; start += PREDICT_CHUNK) {
      const count = Math.min(PREDICT_CHUNK, rows - start);
      const values = torch.noGrad(() =>
        torch.tidy(() => {
          const input = torch.tensor(Float32Array.from(x.subarray(start * w, (start + count) * w)), { shape: [count, w] });
          return this.#net.forward(input).toArray<'float32'>();
        }),
      );
      for (let i = 0; i < count; i++) out[start + i] = values[i]! * this.#yStd + this.#yMean;
    }
    return out;
  }

  state(): Record<string, unknown> {
    return { hidden: [...this.#hidden], y_mean: this.#yMean, y_std: this.#yStd, weights_file: MLP_WEIGHTS_FILE };
  }

  saveFiles(folder: string): void {
    this.#net.save(path.join(folder, MLP_WEIGHTS_FILE));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#net.dispose();
  }
}

/** The MLP's grid: hidden ∈ {[32], [64, 64]} × lr ∈ {1e-3, 1e-2}, epochs and batch as given. */
export const MLP_GRID = { hidden: [[32], [64, 64]], lr: [1e-3, 1e-2] } as const;

export const MLP_DEFAULTS = { hidden: [100], epochs: 200, lr: 1e-3, batch: 200 } as const;

export const mlpFamily: RegressorFamily = {
  name: 'mlp',
  options: ['hidden', 'epochs', 'lr', 'batch'],
  gridded: ['hidden', 'lr'],
  resolve: (h) => {
    const hidden = h.hidden ?? [...MLP_DEFAULTS.hidden];
    if (!Array.isArray(hidden) || hidden.length === 0 || hidden.some((s) => !Number.isInteger(s) || s < 1 || s > 4096)) {
      throw new MlError('E_ML_ARGUMENT', (o) => `${o('hidden')} must be one or more layer sizes from 1 to 4096 (64,64), got ${JSON.stringify(h.hidden)}`);
    }
    const epochs = wholeNumberOption('epochs', h.epochs ?? MLP_DEFAULTS.epochs);
    const lr = h.lr ?? MLP_DEFAULTS.lr;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('lr')} must be a positive number, got ${String(lr)}`);
    const batch = wholeNumberOption('batch', h.batch ?? MLP_DEFAULTS.batch);
    return { hidden: [...hidden], epochs, lr, batch };
  },
  grid: (base) => MLP_GRID.hidden.flatMap((hidden) => MLP_GRID.lr.map((lr): HyperParameters => ({ ...base, hidden: [...hidden], lr }))),
  minRows: () => 2,
  fit: (data, h, context) => MlpRegressor.fit(data, h, context),
  load: (state, h, width, folder) => {
    const yMean = state['y_mean'];
    const yStd = state['y_std'];
    if (typeof yMean !== 'number' || typeof yStd !== 'number') throw new MlError('E_ML_CHECKPOINT', "the checkpoint's MLP lacks its target scaling");
    return MlpRegressor.load(folder, h.hidden!, width, yMean, yStd);
  },
};
