/**
 * The learned condition vector of a conditional GAN: each categorical condition through its own
 * embedding, all continuous conditions together through one linear projection, the results
 * concatenated. The generator and the discriminator each own one (they are trained against each
 * other, so they never share parameters).
 *
 * ```ts
 * const enc = new ConditionEncoder(specs);   // state-dict keys: embeddings.0.weight, …, continuous.weight, continuous.bias
 * const c = enc.forward(encodeConditions(specs, rows)); // N × enc.outDim
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { checkConditionSpecs, type ConditionSpec } from './conditions.js';

const { nn } = torch;
type Tensor = torch.Tensor;

/** A categorical condition of `levels` levels is embedded in min(50, levels) dimensions. */
export const MAX_CATEGORICAL_EMBEDDING_DIM = 50;
/** `count` continuous conditions are projected together to max(16, count) dimensions. */
export const MIN_CONTINUOUS_PROJECTION_DIM = 16;

/**
 * Condition columns (N × specs.length, as `encodeConditions` makes them) → N × outDim: the
 * embeddings of the categorical columns in the specs' order, then the projection of the
 * continuous ones. Keys: `embeddings.<i>.weight` for the i-th categorical condition,
 * `continuous.weight` and `continuous.bias` when there are continuous ones.
 */
export class ConditionEncoder extends nn.Module {
  readonly specs: readonly ConditionSpec[];
  /** Length of the vector it produces. */
  readonly outDim: number;
  readonly embeddings: readonly torch.nn.Embedding[];
  readonly continuous: torch.nn.Linear | undefined;
  readonly #categoricalColumns: readonly number[];
  readonly #continuousColumns: readonly number[];

  constructor(specs: readonly ConditionSpec[]) {
    super();
    checkConditionSpecs(specs);
    if (specs.length === 0) throw new MlError('E_ML_ARGUMENT', 'a ConditionEncoder needs at least one condition');
    this.specs = Object.freeze([...specs]);
    const categorical: number[] = [];
    const continuous: number[] = [];
    specs.forEach((s, i) => (s.kind === 'categorical' ? categorical : continuous).push(i));
    this.#categoricalColumns = Object.freeze(categorical);
    this.#continuousColumns = Object.freeze(continuous);
    this.embeddings = Object.freeze(
      categorical.map((i) => {
        const levels = (specs[i] as Extract<ConditionSpec, { kind: 'categorical' }>).levels.length;
        return new nn.Embedding(levels, Math.min(MAX_CATEGORICAL_EMBEDDING_DIM, levels));
      }),
    );
    this.registerModule('embeddings', new nn.ModuleList(this.embeddings));
    this.continuous =
      continuous.length > 0 ? this.registerModule('continuous', new nn.Linear(continuous.length, Math.max(MIN_CONTINUOUS_PROJECTION_DIM, continuous.length))) : undefined;
    this.outDim = this.embeddings.reduce((n, e) => n + e.embeddingDim, 0) + (this.continuous?.outFeatures ?? 0);
  }

  override forward(cond: Tensor): Tensor {
    const shape = cond.shape;
    if (shape.length !== 2 || shape[1] !== this.specs.length) {
      throw new torch.TorchError(`ConditionEncoder: conditions must be N×${this.specs.length} (${this.specs.map((s) => s.name).join(', ')}), got [${shape.join(', ')}]`, 'E_SHAPE');
    }
    const parts: Tensor[] = this.embeddings.map((e, j) => e.forward(cond.select(1, this.#categoricalColumns[j] as number).long()));
    if (this.continuous !== undefined) {
      const columns = this.#continuousColumns.map((c) => cond.narrow(1, c, 1));
      parts.push(this.continuous.forward(columns.length === 1 ? (columns[0] as Tensor) : torch.cat(columns, 1)));
    }
    return parts.length === 1 ? (parts[0] as Tensor) : torch.cat(parts, 1);
  }
}
