/**
 * A surrogate run as an {@link ImagePredictor}: its checkpoint loaded once, images predicted at
 * any parameter values, deterministically. The prediction is the members' mean; one member's
 * image is there too (`member`), so the members' spread (the ensemble's uncertainty) can be
 * measured by the caller. No gradient is kept and libtorch's RNG is never drawn from.
 *
 * ```ts
 * const p = await openSurrogatePredictor(store, run, {});
 * const mean = p.predict([{ x0: 0.4, y0: 0.6, width: 0.1, elongation: 1 }]);     // 1 × 1 × 32 × 32 in [0, 1]
 * const first = p.predict([{ x0: 0.4, y0: 0.6, width: 0.1, elongation: 1 }], { member: 0 });
 * p.dispose();
 * ```
 */
import fs from 'node:fs';
import { recoverFolderSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import * as torch from '../../torch/index.js';
import { loadSurrogateCheckpoint, surrogateArchitectureOf } from '../checkpoints/surrogate-checkpoint.js';
import { checkpointName } from '../checkpoints/training-state.js';
import { resolveDevice } from '../device.js';
import { encodeConditions } from '../models/conditions.js';
import { createSurrogate } from '../models/surrogate.js';
import { requireKind, type RunRecord } from '../registry/run-record.js';
import { RunRegistry } from '../registry/run-registry.js';
import type { ImagePredictor, OpenPredictorOptions, PredictOptions } from './image-predictor.js';

/** Parameter rows per forward pass. */
const BATCH = 256;

/** The checkpoint folder of `run` (absolute): that of `epoch`, or its newest. */
export function surrogateCheckpoint(registry: RunRegistry, run: RunRecord, epoch: number | undefined): string {
  if (epoch !== undefined) {
    if (!Number.isInteger(epoch) || epoch < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('epoch')} must be a whole number ≥ 1, got ${String(epoch)}`);
    const folder = registry.runPath(run.run_id, 'checkpoints', checkpointName({ epoch, stepInEpoch: 0 }));
    recoverFolderSync(folder);
    if (!fs.existsSync(folder)) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} kept no checkpoint of epoch ${epoch}`);
    return folder;
  }
  if (run.FILE_checkpoint === null) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} has no checkpoint yet (status ${run.state}); train it first`);
  const folder = registry.absolute(run.FILE_checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`);
  if (!fs.existsSync(folder)) throw new MlError('E_ML_CHECKPOINT', `the checkpoint of run ${run.run_id} is missing: ${run.FILE_checkpoint}`);
  return folder;
}

/** The predictor of surrogate run `record` (see the file comment). */
export async function openSurrogatePredictor(store: Store, record: RunRecord, options: OpenPredictorOptions): Promise<ImagePredictor> {
  const run = requireKind(record, 'surrogate', '; this opens surrogate runs');
  const params = run.params;
  const device = resolveDevice(options.device ?? 'cpu');
  const registry = new RunRegistry(store);
  const folder = surrogateCheckpoint(registry, run, options.epoch);
  const model = createSurrogate(surrogateArchitectureOf(params));
  let epoch: number;
  try {
    epoch = loadSurrogateCheckpoint(folder, model).epoch;
    model.to(device).eval();
  } catch (e) {
    model.dispose();
    throw e;
  }
  const { conditions, size, channels, members } = model.architecture;
  const plane = channels * size * size;
  let disposed = false;
  return {
    run,
    conditions,
    size,
    channels,
    epoch,
    checkpoint: registry.relative(folder),
    stochastic: false,
    members,
    predict(combos: readonly Readonly<Record<string, Cell>>[], predictOptions: PredictOptions = {}): Float32Array {
      if (disposed) throw new MlError('E_ML_ARGUMENT', `the predictor of run ${run.run_id} was disposed`);
      const member = predictOptions.member;
      if (member !== undefined && (!Number.isInteger(member) || member < 0 || member >= members)) {
        throw new MlError('E_ML_ARGUMENT', (o) => `${o('member')} must be a whole number from 0 to ${members - 1} (run ${run.run_id} has ${members} member${members === 1 ? '' : 's'}), got ${String(member)}`);
      }
      const out = new Float32Array(combos.length * plane);
      torch.noGrad(() => {
        for (let start = 0; start < combos.length; start += BATCH) {
          const part = combos.slice(start, start + BATCH);
          torch.tidy(() => {
            const cond = encodeConditions(conditions, part).to(device);
            const images = member === undefined ? model.forward(cond) : model.member(member, cond);
            out.set(images.float().cpu().toArray() as Float32Array, start * plane);
          });
        }
      });
      return out;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
