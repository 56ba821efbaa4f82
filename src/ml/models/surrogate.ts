/**
 * The surrogate model (docs/ml-surrogates.md): a deterministic map from a simulation's parameters
 * to its output image, as an ensemble of independently trained conditional convolutional
 * decoders. The ensemble's mean is the prediction, the members' spread its uncertainty.
 *
 * ```
 * parameters N × k (encodeConditions: continuous → [−1, 1] over the training ranges)
 *   → ConditionEncoder (categorical embeddings ‖ continuous projection)     e: N × E
 *   → MLP  Linear E→h → act → Linear h→h → act → Linear h→w·s₀² → act        w × s₀ × s₀ (s₀ = 7 or 8)
 *   → block at s₀, then per doubling: upsample ×2 (bilinear) → block        w × size × size
 *        block = twice: Conv 3×3 of [h ‖ x, y] + Linear(e) per channel → act
 *   → Conv 3×3 of [h ‖ x, y] → channels → + 0.5                             channels × size × size
 *   → clamped to [0, 1] when predicting (trained unclamped)                 act = LeakyReLU(0.2)
 * ```
 *
 * No output squashing and no activation that can die: a sigmoid output must drive its logits
 * towards −∞ to reach a background of exact zeros, where its gradient vanishes (on the stand-in
 * ensemble about one run in three stopped learning within two epochs, every pixel 0), and with
 * SiLU activations and a sigmoid stretched to (−0.1, 1.1) a run on the heat-transfer ensemble
 * still stalled from its second epoch (loss flat at 0.023, 3.5 times the nearest run's error).
 * A linear output, clamped only when predicting, and leaky activations always pass a gradient.
 *
 * Each convolution also reads the pixel coordinates (x, y in [−1, 1]: CoordConv) and adds a
 * per-channel bias computed from the encoded parameters (the parameters broadcast over the
 * image as a bias: away from the border, the function of concatenating them as constant
 * channels). A field whose features move with the parameters (a source's position, a plume's
 * width) is then a local function a 3 × 3 convolution can learn (of x − x₀, y − y₀…) instead of
 * a pattern the MLP must draw pixel by pixel. On the stand-in ensemble of docs/ml-surrogates.md
 * (one member, 20 epochs, an earlier SiLU decoder) concatenated parameter channels reached 0.34 of the nearest training
 * run's held-out MSE in 46 s, the bias 0.44 in 17 s: the bias buys more epochs in the same
 * time. No normalisation layer: training and prediction compute the same function.
 *
 * State-dict keys: `members.<m>.encoder.…`, `members.<m>.mlp.<i>.…`, `members.<m>.convs.<j>.…`,
 * `members.<m>.shifts.<j>.weight`, `members.<m>.head.…`; the MLP is `mlp.0`–`mlp.2`, the
 * convolutions `convs.0`… in order, `shifts.<j>` the bias of `convs.<j>`.
 *
 * ```ts
 * torch.manualSeed(1);
 * const model = createSurrogate({ model: 'surrogate', size: 32, channels: 1, conditions: specs, width: 32, members: 4 });
 * const images = torch.tidy(() => model.forward(encodeConditions(specs, rows))); // N × 1 × 32 × 32, the members' mean
 * model.dispose();
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { ConditionEncoder } from './condition-encoder.js';
import { checkConditionSpecs, type ConditionSpec } from './conditions.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

export type SurrogateImageSize = 28 | 32 | 64;
export const SURROGATE_IMAGE_SIZES: readonly SurrogateImageSize[] = Object.freeze([28, 32, 64]);
/** The most members an ensemble is built with. */
export const MAX_SURROGATE_MEMBERS = 32;
/** The widest decoder built (channels of its feature maps). */
export const MAX_SURROGATE_WIDTH = 256;

/** What is stored with a surrogate run and its checkpoints, as plain JSON. */
export interface SurrogateArchitecture {
  model: 'surrogate';
  /** Side of the square images it predicts. */
  size: SurrogateImageSize;
  channels: 1 | 3;
  /** The parameters, in the order the encoded rows hold them. */
  conditions: ConditionSpec[];
  /** Channels of the decoder's feature maps. */
  width: number;
  /** Independently trained members. */
  members: number;
}

/** The architecture as a canonical JSON string (fixed key order): a checkpoint of another architecture is refused by comparing keys. */
export function surrogateArchitectureKey(a: SurrogateArchitecture): string {
  return JSON.stringify({ model: a.model, size: a.size, channels: a.channels, conditions: a.conditions, width: a.width, members: a.members });
}

/** Validates an architecture (an E_ML_ARGUMENT MlError naming the field) and returns a frozen copy. */
export function checkSurrogateArchitecture(a: SurrogateArchitecture): SurrogateArchitecture {
  if (a === null || typeof a !== 'object') throw new MlError('E_ML_ARGUMENT', (o) => `a surrogate ${o('architecture')} must be an object, got ${String(a)}`);
  if (a.model !== 'surrogate') throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.model')} must be 'surrogate', got ${JSON.stringify(a.model)}`);
  if (!SURROGATE_IMAGE_SIZES.includes(a.size)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.size')} must be one of ${SURROGATE_IMAGE_SIZES.join(', ')}, got ${JSON.stringify(a.size)}`);
  if (a.channels !== 1 && a.channels !== 3) throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.channels')} must be 1 or 3, got ${JSON.stringify(a.channels)}`);
  checkConditionSpecs(a.conditions);
  if (a.conditions.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `a surrogate needs at least one parameter (${o('conditionColumns')})`);
  if (!Number.isInteger(a.width) || a.width < 1 || a.width > MAX_SURROGATE_WIDTH) throw new MlError('E_ML_ARGUMENT', (o) => `${o('width')} must be a whole number from 1 to ${MAX_SURROGATE_WIDTH}, got ${JSON.stringify(a.width)}`);
  if (!Number.isInteger(a.members) || a.members < 1 || a.members > MAX_SURROGATE_MEMBERS) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('members')} must be a whole number from 1 to ${MAX_SURROGATE_MEMBERS}, got ${JSON.stringify(a.members)}`);
  }
  return Object.freeze(JSON.parse(surrogateArchitectureKey(a)) as SurrogateArchitecture);
}

/** The side of the first feature map and the doublings to `size`: 7 → 28, 8 → 32, 8 → 64. */
export function surrogateLevels(size: SurrogateImageSize): { start: number; doublings: number } {
  return size === 28 ? { start: 7, doublings: 2 } : size === 32 ? { start: 8, doublings: 2 } : { start: 8, doublings: 3 };
}

/** The negative slope of every activation: no unit can die (see the file comment). */
export const SURROGATE_LEAKY_SLOPE = 0.2;

/** Width of the MLP's hidden layers. */
const HIDDEN = 128;

/** 2 × s × s: the x and y coordinate of each pixel centre, in [−1, 1]. */
function coordinates(side: number): Tensor {
  const axis = torch.linspace(-1, 1, side);
  return torch.stack([axis.view(1, side).expand(side, side), axis.view(side, 1).expand(side, side)], 0);
}

/** One member: the decoder of the file comment. */
export class SurrogateDecoder extends nn.Module {
  readonly encoder: ConditionEncoder;
  readonly mlp: readonly torch.nn.Linear[];
  readonly convs: readonly torch.nn.Conv2d[];
  /** Per convolution: the encoded parameters → a bias of each output channel (the parameters broadcast over the image). */
  readonly shifts: readonly torch.nn.Linear[];
  readonly head: torch.nn.Conv2d;
  readonly #size: number;
  readonly #width: number;
  readonly #start: number;
  readonly #doublings: number;

  constructor(architecture: SurrogateArchitecture) {
    super();
    const a = architecture;
    const { start, doublings } = surrogateLevels(a.size);
    this.#size = a.size;
    this.#width = a.width;
    this.#start = start;
    this.#doublings = doublings;
    this.encoder = this.registerModule('encoder', new ConditionEncoder(a.conditions));
    const e = this.encoder.outDim;
    this.mlp = Object.freeze([new nn.Linear(e, HIDDEN), new nn.Linear(HIDDEN, HIDDEN), new nn.Linear(HIDDEN, a.width * start * start)]);
    this.registerModule('mlp', new nn.ModuleList(this.mlp));
    const convs = 2 * (doublings + 1);
    this.convs = Object.freeze(Array.from({ length: convs }, () => new nn.Conv2d(a.width + 2, a.width, 3, { padding: 1 })));
    this.registerModule('convs', new nn.ModuleList(this.convs));
    this.shifts = Object.freeze(Array.from({ length: convs }, () => new nn.Linear(e, a.width, { bias: false })));
    this.registerModule('shifts', new nn.ModuleList(this.shifts));
    this.head = this.registerModule('head', new nn.Conv2d(a.width + 2, a.channels, 3, { padding: 1 }));
  }

  /** Encoded parameters N × k → images N × channels × size × size, unclamped: what training fits. */
  override forward(cond: Tensor): Tensor {
    const e = this.encoder.forward(cond);
    const n = e.shape[0]!;
    const withCoordinates = (h: Tensor): Tensor => {
      const side = h.shape[2]!;
      return torch.cat([h, coordinates(side).to(h.device).unsqueeze(0).expand(n, 2, side, side)], 1);
    };
    const act = (x: Tensor): Tensor => F.leakyRelu(x, SURROGATE_LEAKY_SLOPE);
    const conv = (j: number, h: Tensor): Tensor => act(this.convs[j]!.forward(withCoordinates(h)).add(this.shifts[j]!.forward(e).view(n, this.#width, 1, 1)));
    let h = this.mlp.reduce((x, layer) => act(layer.forward(x)), e).view(n, this.#width, this.#start, this.#start);
    for (let level = 0; level <= this.#doublings; level++) {
      if (level > 0) h = F.interpolate(h, { size: h.shape[2]! * 2, mode: 'bilinear' });
      h = conv(2 * level + 1, conv(2 * level, h));
    }
    if (h.shape[2] !== this.#size) throw new torch.TorchError(`the surrogate decoder made ${h.shape[2]}-pixel images, not ${this.#size}`, 'E_SHAPE');
    return this.head.forward(withCoordinates(h)).add(0.5);
  }
}

/** The ensemble of the file comment. Build it with {@link createSurrogate}. */
export class SurrogateEnsemble extends nn.Module {
  readonly architecture: SurrogateArchitecture;
  readonly members: readonly SurrogateDecoder[];

  constructor(architecture: SurrogateArchitecture) {
    super();
    this.architecture = checkSurrogateArchitecture(architecture);
    this.members = Object.freeze(Array.from({ length: this.architecture.members }, () => new SurrogateDecoder(this.architecture)));
    this.registerModule('members', new nn.ModuleList(this.members));
  }

  /** Encoded parameters N × k → member `m`'s images N × channels × size × size, unclamped: what its training fits. */
  memberOutput(m: number, cond: Tensor): Tensor {
    const d = this.members[m];
    if (d === undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('member')} must be a whole number from 0 to ${this.members.length - 1}, got ${m}`);
    this.#checkConditions(cond);
    return d.forward(cond);
  }

  /** Encoded parameters N × k → member `m`'s predicted images N × channels × size × size in [0, 1]. */
  member(m: number, cond: Tensor): Tensor {
    return this.memberOutput(m, cond).clamp(0, 1);
  }

  /** Encoded parameters N × k → the members' mean predicted images N × channels × size × size in [0, 1]. */
  override forward(cond: Tensor): Tensor {
    this.#checkConditions(cond);
    const outs = this.members.map((d) => d.forward(cond).clamp(0, 1));
    return outs.length === 1 ? outs[0]! : torch.stack(outs, 0).mean(0);
  }

  #checkConditions(cond: Tensor): void {
    const k = this.architecture.conditions.length;
    if (cond.shape.length !== 2 || cond.shape[1] !== k) {
      throw new torch.TorchError(`the surrogate reads N × ${k} parameters (${this.architecture.conditions.map((c) => c.name).join(', ')}), got [${cond.shape.join(', ')}]`, 'E_SHAPE');
    }
  }
}

/**
 * A surrogate ensemble of `architecture` with PyTorch's default initialisation from libtorch's
 * generator: members are built one after the other, so each starts from different weights (seed
 * with `torch.manualSeed` first for reproducible ones).
 */
export function createSurrogate(architecture: SurrogateArchitecture): SurrogateEnsemble {
  return new SurrogateEnsemble(architecture);
}
