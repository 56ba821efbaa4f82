/** Adam and AdamW (PyTorch's torch.optim.Adam and AdamW), one native call per step. */
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { zerosLike } from '../factories.js';
import { keep } from '../scope.js';
import { noGrad } from '../autograd.js';
import { check } from '../errors.js';
import { Optimizer, shapeProblem, stepValue, type StateValue } from './optimizer.js';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (Adam) or decoupled decay of the weights (AdamW). */
  weightDecay?: number;
  /** Use the maximum of past second moments (AMSGrad). */
  amsgrad?: boolean;
  /** Maximise the objective instead of minimising it. */
  maximize?: boolean;
}

interface Hyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

function validate(kind: string, h: Hyper): void {
  check(typeof h.lr === 'number' && h.lr >= 0, () => `${kind}: lr must be a number ≥ 0, got ${h.lr}`);
  check(typeof h.eps === 'number' && h.eps >= 0, () => `${kind}: eps must be a number ≥ 0, got ${h.eps}`);
  check(Array.isArray(h.betas) && h.betas.length === 2, () => `${kind}: betas must be a pair [beta1, beta2], got ${JSON.stringify(h.betas)}`);
  h.betas.forEach((b, i) => check(typeof b === 'number' && b >= 0 && b < 1, () => `${kind}: betas[${i}] must be in [0, 1), got ${b}`));
  check(typeof h.weightDecay === 'number' && h.weightDecay >= 0, () => `${kind}: weightDecay must be a number ≥ 0, got ${h.weightDecay}`);
  check(typeof h.amsgrad === 'boolean', () => `${kind}: amsgrad must be a boolean, got ${h.amsgrad}`);
  check(typeof h.maximize === 'boolean', () => `${kind}: maximize must be a boolean, got ${h.maximize}`);
}

/**
 * Adam with PyTorch's arithmetic (its single-tensor CPU path), so trajectories match PyTorch's.
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq` and, with amsgrad, `max_exp_avg_sq`;
 * state tensors are created at the first `step()` and kept out of every scope.
 *
 * ```ts
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-4 });
 * tidy(() => { opt.zeroGrad(); loss(model).backward(); opt.step(); });
 * ```
 */
export class Adam extends Optimizer {
  #h: Hyper;
  readonly #decoupled: boolean;
  readonly #steps: Float64Array;
  #expAvg: Tensor[] | undefined;
  #expAvgSq: Tensor[] | undefined;
  #maxExpAvgSq: Tensor[] | undefined;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params);
    this.#decoupled = this.decoupledWeightDecay();
    const betas = options.betas ?? [0.9, 0.999];
    this.#h = {
      lr: options.lr ?? 1e-3,
      betas: Array.isArray(betas) ? [betas[0], betas[1]] : (betas as [number, number]),
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? (this.#decoupled ? 1e-2 : 0),
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    };
    validate(this.constructor.name, this.#h);
    this.#steps = new Float64Array(this.params.length);
  }

  /** Whether weight decay is decoupled from the gradient (AdamW). */
  protected decoupledWeightDecay(): boolean {
    return false;
  }

  /** The learning rate; set it to schedule. */
  get lr(): number {
    return this.#h.lr;
  }
  set lr(value: number) {
    check(typeof value === 'number' && value >= 0, () => `${this.constructor.name}: lr must be a number ≥ 0, got ${value}`);
    this.#h.lr = value;
  }

  /** The current hyper-parameters. */
  get options(): Readonly<Required<AdamOptions>> {
    return Object.freeze({ ...this.#h, betas: [this.#h.betas[0], this.#h.betas[1]] as const });
  }

  #ensureState(): { expAvg: Tensor[]; expAvgSq: Tensor[] } {
    const make = (): Tensor[] => noGrad(() => this.params.map((p) => keep(zerosLike(p))));
    this.#expAvg ??= make();
    this.#expAvgSq ??= make();
    if (this.#h.amsgrad) this.#maxExpAvgSq ??= make();
    return { expAvg: this.#expAvg, expAvgSq: this.#expAvgSq };
  }

  override step(): void {
    this.assertAlive();
    const { expAvg, expAvgSq } = this.#ensureState();
    const h = this.#h;
    native.adamStep(
      this.params,
      expAvg,
      expAvgSq,
      h.amsgrad ? this.#maxExpAvgSq : null,
      this.#steps,
      h.lr,
      h.betas[0],
      h.betas[1],
      h.eps,
      h.weightDecay,
      h.amsgrad,
      h.maximize,
      this.#decoupled,
    );
  }

  protected override groupState(): Record<string, unknown> {
    const h = this.#h;
    return {
      lr: h.lr,
      betas: [h.betas[0], h.betas[1]],
      eps: h.eps,
      weight_decay: h.weightDecay,
      amsgrad: h.amsgrad,
      maximize: h.maximize,
      foreach: null,
      capturable: false,
      differentiable: false,
      fused: null,
      decoupled_weight_decay: this.#decoupled,
    };
  }

  protected override applyGroup(g: Record<string, unknown>): void {
    const h: Hyper = {
      lr: (g['lr'] as number) ?? this.#h.lr,
      betas: (g['betas'] as [number, number]) ?? this.#h.betas,
      eps: (g['eps'] as number) ?? this.#h.eps,
      weightDecay: (g['weight_decay'] as number) ?? this.#h.weightDecay,
      amsgrad: (g['amsgrad'] as boolean) ?? this.#h.amsgrad,
      maximize: (g['maximize'] as boolean) ?? this.#h.maximize,
    };
    validate(this.constructor.name, h);
    h.betas = [h.betas[0], h.betas[1]];
    this.#h = h;
  }

  protected override paramState(i: number): Record<string, StateValue> | undefined {
    if (this.#steps[i] === 0 || this.#expAvg === undefined || this.#expAvgSq === undefined) return undefined;
    const s: Record<string, StateValue> = {
      step: this.#steps[i] as number,
      exp_avg: this.#expAvg[i] as Tensor,
      exp_avg_sq: this.#expAvgSq[i] as Tensor,
    };
    if (this.#h.amsgrad && this.#maxExpAvgSq !== undefined) s['max_exp_avg_sq'] = this.#maxExpAvgSq[i] as Tensor;
    return s;
  }

  protected override checkParamState(i: number, s: Record<string, StateValue>, group: Record<string, unknown>): string[] {
    const p = this.params[i] as Tensor;
    const amsgrad = (group['amsgrad'] as boolean | undefined) ?? this.#h.amsgrad;
    const names = ['exp_avg', 'exp_avg_sq', ...(amsgrad ? ['max_exp_avg_sq'] : [])];
    const problems: string[] = [];
    const step = stepValue(s['step']);
    if (step === undefined || !(step >= 0)) problems.push(`'step' is missing or not a number`);
    for (const name of names) {
      const problem = shapeProblem(name, s[name], p);
      if (problem !== undefined) problems.push(problem);
    }
    for (const name of Object.keys(s)) if (name !== 'step' && !names.includes(name)) problems.push(`unexpected entry '${name}'`);
    return problems;
  }

  protected override setParamState(i: number, s: Record<string, StateValue> | undefined): void {
    const { expAvg, expAvgSq } = this.#ensureState();
    noGrad(() => {
      if (s === undefined) {
        this.#steps[i] = 0;
        expAvg[i]?.zero_();
        expAvgSq[i]?.zero_();
        this.#maxExpAvgSq?.[i]?.zero_();
        return;
      }
      this.#steps[i] = stepValue(s['step']) as number;
      expAvg[i]?.copy_(s['exp_avg'] as Tensor);
      expAvgSq[i]?.copy_(s['exp_avg_sq'] as Tensor);
      const max = s['max_exp_avg_sq'];
      if (this.#maxExpAvgSq !== undefined) {
        if (max !== undefined) this.#maxExpAvgSq[i]?.copy_(max as Tensor);
        else this.#maxExpAvgSq[i]?.zero_();
      }
    });
  }

  protected override stateTensors(): Tensor[] {
    return [...(this.#expAvg ?? []), ...(this.#expAvgSq ?? []), ...(this.#maxExpAvgSq ?? [])];
  }
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter): the weights shrink by lr·weightDecay
 * each step instead of the decay entering the gradient. weightDecay defaults to 1e-2, as PyTorch's.
 *
 * ```ts
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export class AdamW extends Adam {
  protected override decoupledWeightDecay(): boolean {
    return true;
  }
}
