/**
 * A training process that `kill -9`s itself, for the resume tests: run as
 * `node train-killed-child.js DB TRAINER OPTIONS_JSON AT`, it opens the store DB, starts a `gan`
 * (or `sngan`: a GAN run whose options choose one) or `classifier` run with OPTIONS_JSON and sends itself SIGKILL at AT, leaving the store and the
 * run's folder exactly as a killed process does. AT is `step:N` (as soon as step N is done) or
 * `record:N` (after epoch N's checkpoint is written, just before its row would be recorded).
 */
import { openStore } from '../../src/index.js';
import { RunRegistry, trainClassifier, trainGan } from '../../src/ml/index.js';

const [db, trainer, json, at] = process.argv.slice(2) as [string, string, string, string];
const [where, n] = at.split(':') as ['step' | 'record', string];
const kill = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};
if (where === 'record') {
  const record = RunRegistry.prototype.recordEpoch;
  RunRegistry.prototype.recordEpoch = function (this: RunRegistry, ...args: Parameters<typeof record>) {
    if (args[0].epoch === Number(n)) kill();
    return record.apply(this, args);
  };
}
const store = await openStore(db);
const options = {
  ...(JSON.parse(json) as Record<string, unknown>),
  onProgress: (e: { unit?: string; done: number }) => {
    if (where === 'step' && e.unit === 'steps' && e.done === Number(n)) kill();
  },
};
if (trainer === 'gan' || trainer === 'sngan') await trainGan(store, options);
else await trainClassifier(store, options as Parameters<typeof trainClassifier>[1]);
process.stdout.write('finished without being killed\n');
await store.close();
