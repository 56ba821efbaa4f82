/**
 * The world a training run trains in: one process (the default), or a data-parallel group of
 * workers started by `dsi ml train --nproc N`, torchrun or srun, which set torchrun's variables
 * (`RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`). The training session joins
 * the group (Gloo on a CPU, NCCL on a GPU) and uses what this file gives it:
 *
 * - `agreeOnRun`: rank 0's run id and seed everywhere (a new run's id and a random seed are drawn
 *   per process);
 * - `broadcastParameters`: rank 0's weights everywhere before the first step;
 * - `averageGradients`: each optimiser's parameters' gradients averaged over the workers by the
 *   end of every backward pass (`torch.distributed.Reducer`: buckets of about 25 MB, DDP's
 *   default, all-reduced while the pass still runs), so whatever reads them (a GradScaler's
 *   unscale, the optimiser) sees the average;
 * - `distributedShard`: a worker's share of an epoch's order, PyTorch's DistributedSampler rule;
 * - `rankPositions` / `drawForRank`: a step's per-sample random numbers drawn for the global
 *   batch with the generator state every rank shares, each rank keeping its rows;
 * - `describeFailure`: a failed collective's message naming the rank that died or hung.
 *
 * Guarantees: with a world of one nothing here runs (no group, no hook, the order unchanged), so
 * a single process trains exactly as before. Every rank calls the same collectives in the same
 * order; a failed one throws `E_DISTRIBUTED` within the group's timeout.
 */
import fs from 'node:fs';
import os from 'node:os';
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';

/** This process's place in the run's world. */
export interface RunWorld {
  readonly rank: number;
  readonly worldSize: number;
  /** The GPU of this rank on its machine (torchrun's LOCAL_RANK). */
  readonly localRank: number;
}

export const SINGLE_PROCESS: RunWorld = { rank: 0, worldSize: 1, localRank: 0 };

/** Gradients are all-reduced in buckets of about this many bytes (DDP's `bucket_cap_mb`). */
export const BUCKET_BYTES = 25 * 1024 * 1024;

/** The collectives' timeout when none is given: 5 minutes (PyTorch's 30 leave a hung run unnoticed too long). */
export const DEFAULT_DIST_TIMEOUT_MS = 300_000;

const dist = torch.distributed;

/** The store the session made to join the group (rank 0 serves it); holds each rank's host and pid. */
let ownStore: torch.distributed.Store | undefined;

/** The current world: the default process group's, or one process. */
export function runWorld(): RunWorld {
  if (!dist.isInitialized()) return SINGLE_PROCESS;
  return { rank: dist.getRank(), worldSize: dist.getWorldSize(), localRank: dist.localRank() };
}

/** The world size the environment asks for (torchrun's WORLD_SIZE), 1 when unset. */
export function requestedWorldSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['WORLD_SIZE'];
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new MlError('E_ML_ARGUMENT', `WORLD_SIZE must be a positive whole number, got '${raw}'`);
  return n;
}

/**
 * Joins the run's world when the environment asks for more than one worker (and no group exists
 * yet); returns the world and whether this call made the group (and so must leave it).
 */
export function joinRunWorld(device: string, timeoutMs: number = DEFAULT_DIST_TIMEOUT_MS): { world: RunWorld; joined: boolean } {
  if (dist.isInitialized()) return { world: runWorld(), joined: false };
  const worldSize = requestedWorldSize();
  if (worldSize === 1) return { world: SINGLE_PROCESS, joined: false };
  const need = (name: string): string => {
    const v = process.env[name];
    if (v === undefined || v === '') throw new MlError('E_ML_ARGUMENT', `a run of WORLD_SIZE ${worldSize} needs ${name} in the environment (as torchrun sets it)`);
    return v;
  };
  const rank = Number(need('RANK'));
  const host = need('MASTER_ADDR');
  const port = Number(need('MASTER_PORT'));
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new MlError('E_ML_ARGUMENT', `RANK must be 0 to ${worldSize - 1}, got '${process.env['RANK']}'`);
  const backend: torch.distributed.Backend = device.startsWith('cuda') ? 'nccl' : 'gloo';
  const store = new dist.TCPStore(host, port, { worldSize, isMaster: rank === 0, timeoutMs, waitForWorkers: true });
  try {
    const loopback = host === 'localhost' || /^127\./.test(host) || host === '::1';
    dist.initProcessGroup({ backend, store, rank, worldSize, timeoutMs, ...(loopback ? { glooHostname: '127.0.0.1' } : {}) });
    store.set(`dsi/worker/${rank}`, `${os.hostname()} ${process.pid}`);
  } catch (e) {
    store.close();
    throw e;
  }
  ownStore = store;
  return { world: runWorld(), joined: true };
}

/** Leaves the group `joinRunWorld` made (after every rank's last collective). */
export function leaveRunWorld(): void {
  dist.destroyProcessGroup();
  ownStore?.close();
  ownStore = undefined;
}

/** Rank 0's run id and seed on every rank; returns when every rank has its plan (a barrier). */
export function agreeOnRun(runId: string, seed: number): { runId: string; seed: number } {
  const bytes = new Uint8Array(256);
  const encoded = new TextEncoder().encode(runId);
  if (encoded.length > 255) throw new MlError('E_ML_ARGUMENT', `run id too long for a distributed run: ${runId}`);
  bytes[0] = encoded.length;
  bytes.set(encoded, 1);
  return torch.tidy(() => {
    const idTensor = torch.tensor(bytes, { dtype: 'uint8' });
    // A seed is below 2^32: exact in float64.
    const seedTensor = torch.tensor(new Float64Array([seed]), { dtype: 'float64' });
    dist.broadcast(idTensor, { src: 0 });
    dist.broadcast(seedTensor, { src: 0 });
    dist.barrier();
    const got = idTensor.toArray() as Uint8Array;
    return { runId: new TextDecoder().decode(got.subarray(1, 1 + got[0]!)), seed: (seedTensor.toArray() as Float64Array)[0]! };
  });
}

/** The distinct parameters of `optimizers`, in order. */
function parametersOf(optimizers: readonly torch.optim.Optimizer[]): torch.Tensor[] {
  const seen = new Set<torch.Tensor>();
  for (const o of optimizers) for (const p of o.params) seen.add(p);
  return [...seen];
}

/** Splits `tensors` into runs of about `capBytes` (float32 or the like) each, in order. */
function buckets(tensors: readonly torch.Tensor[], capBytes: number): torch.Tensor[][] {
  const out: torch.Tensor[][] = [];
  let current: torch.Tensor[] = [];
  let bytes = 0;
  for (const t of tensors) {
    const size = t.numel() * 4;
    if (current.length > 0 && bytes + size > capBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(t);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Runs `op` on each bucket of `tensors` flattened into one tensor, and copies the results back. */
function bucketed(tensors: readonly torch.Tensor[], op: (flat: torch.Tensor) => void, capBytes = BUCKET_BYTES): void {
  for (const bucket of buckets(tensors, capBytes)) {
    torch.tidy(() => {
      const flat = torch.cat(bucket.map((t) => t.detach().flatten()));
      op(flat);
      let offset = 0;
      for (const t of bucket) {
        const n = t.numel();
        torch.noGrad(() => t.copy_(flat.narrow(0, offset, n).view(...t.shape)));
        offset += n;
      }
    });
  }
}

/** Rank 0's values of every optimiser's parameters on every rank (before the first step). */
export function broadcastParameters(optimizers: readonly torch.optim.Optimizer[]): void {
  bucketed(parametersOf(optimizers), (flat) => dist.broadcast(flat, { src: 0 }));
}

export interface AverageGradientsOptions {
  /**
   * true (default): a Reducer per optimiser averages the gradients during each backward pass.
   * false: each optimiser's `step()` first all-reduces them, after the backward pass (the path
   * kept for bench/data-parallel.ts to compare against; a GradScaler's `step` unscales before
   * calling it, which the average does not change, but anything reading the gradients between
   * the backward pass and the step sees local ones).
   */
  readonly overlap?: boolean;
  /** Bytes per bucket (default BUCKET_BYTES). */
  readonly bucketCapBytes?: number;
}

/**
 * Makes every backward pass average the gradients of `optimizers`' parameters over the world
 * (those that got one: every rank computes the same ones). Returns a function that undoes it.
 */
export function averageGradients(optimizers: readonly torch.optim.Optimizer[], options: AverageGradientsOptions = {}): () => void {
  const bucketCapBytes = options.bucketCapBytes ?? BUCKET_BYTES;
  if (options.overlap === false) return averageInStep(optimizers, bucketCapBytes);
  const seen = new Set<torch.Tensor>();
  const reducers: torch.distributed.Reducer[] = [];
  for (const o of optimizers) {
    const params = o.params.filter((p) => !seen.has(p) && p.requiresGrad);
    params.forEach((p) => seen.add(p));
    if (params.length > 0) reducers.push(new dist.Reducer(params, { bucketCapBytes }));
  }
  return () => reducers.forEach((r) => r.remove());
}

/** The all-reduce after the backward pass: each optimiser's `step` first averages its gradients. */
function averageInStep(optimizers: readonly torch.optim.Optimizer[], bucketCapBytes: number): () => void {
  const undo: (() => void)[] = [];
  for (const o of optimizers) {
    const step = o.step;
    o.step = function averagedStep(this: torch.optim.Optimizer): void {
      const grads = o.params.map((p) => p.grad).filter((g): g is torch.Tensor => g !== undefined);
      bucketed(grads, (flat) => dist.allReduce(flat, { op: 'avg' }), bucketCapBytes);
      step.call(o);
    };
    undo.push(() => {
      delete (o as { step?: unknown }).step;
    });
  }
  return () => undo.forEach((u) => u());
}

/**
 * Worker `rank`'s share of an epoch's order of `order.length` items: PyTorch's DistributedSampler
 * rule. The order is padded to a multiple of the world size with its first items, and worker r
 * takes the items at r, r + W, r + 2W, … So step s's batches of b items on W workers are together
 * the order's items s·b·W to (s + 1)·b·W: one worker's batch of b·W.
 */
export function distributedShard(order: Int32Array, world: RunWorld): Int32Array {
  const { rank, worldSize } = world;
  if (worldSize === 1) return order;
  const n = order.length;
  const each = Math.ceil(n / worldSize);
  const out = new Int32Array(each);
  for (let i = 0; i < each; i++) out[i] = order[(i * worldSize + rank) % n]!;
  return out;
}

/**
 * The positions, in a step's global batch of local·W rows, of this rank's `local` rows: r, r + W,
 * r + 2W, … (the positions of its samples, by `distributedShard`'s rule), so row j of a draw made
 * for the global batch goes with the sample at global position j. `paired` (an even `local`):
 * draws whose halves are compared pair by pair (mode seeking: rows j and h + j) keep their pairs,
 * rank r taking pairs r·h … (r+1)·h − 1 of the global batch's (h = local/2).
 */
export function rankPositions(local: number, world: RunWorld, paired = false): number[] {
  const { rank, worldSize } = world;
  if (paired && local % 2 === 0 && worldSize > 1) {
    const h = local / 2;
    const first = Array.from({ length: h }, (_, j) => rank * h + j);
    return [...first, ...first.map((p) => p + h * worldSize)];
  }
  return Array.from({ length: local }, (_, j) => j * worldSize + rank);
}

/**
 * Per-sample random numbers of a data-parallel step: `draw(local·W)` for the global batch (every
 * rank's generator is in the same state, so every rank draws the same rows, exactly those one
 * process at batch local·W draws, and the generators stay alike), of which this rank keeps its
 * rows (`rankPositions`). In one process: `draw(local)`.
 */
export function drawForRank(local: number, world: RunWorld, draw: (rows: number) => torch.Tensor, paired = false): torch.Tensor {
  if (world.worldSize === 1) return draw(local);
  const all = draw(local * world.worldSize);
  return all.indexSelect(0, torch.tensor(rankPositions(local, world, paired), { dtype: 'int64', device: all.device }));
}

/** True when process `pid` on this machine has exited (or is a zombie waiting to be reaped). */
function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return / Z /.test(stat.slice(stat.lastIndexOf(')') + 1, stat.lastIndexOf(')') + 4));
  } catch {
    return false;
  }
}

/**
 * The message of a run whose collective failed on this rank: names the worker that exited when
 * it ran on this machine, else the other worker of a world of two, else says which could not be told.
 */
export function describeFailure(e: unknown, world: RunWorld): string {
  const detail = e instanceof Error ? e.message : String(e);
  const { rank, worldSize } = world;
  let culprit: number[] = [];
  if (ownStore !== undefined && rank === 0) {
    for (let r = 1; r < worldSize; r++) {
      try {
        const [host, pid] = new TextDecoder().decode(ownStore.get(`dsi/worker/${r}`)).split(' ');
        if (host === os.hostname() && exited(Number(pid))) culprit.push(r);
      } catch {
        // The rank never registered (it died before joining): not told apart here.
      }
    }
  }
  if (culprit.length === 0 && worldSize === 2) culprit = [1 - rank];
  const who = culprit.length === 0 ? `a worker of ${worldSize} (not told which)` : culprit.length === 1 ? `worker rank ${culprit[0]} of ${worldSize}` : `worker ranks ${culprit.join(', ')} of ${worldSize}`;
  return `the distributed run failed: ${who} exited or stopped answering (rank ${rank} saw: ${detail})`;
}
