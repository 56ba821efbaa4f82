/**
 * A seeded sample of the `kill -9` loop (test/helpers/kill-loop.ts): each long operation is killed
 * at 3 points spread over its run, and each time the store passes SQLite's integrity check, holds
 * the old or the new state (a killed training run: one that resumes to exactly the uninterrupted
 * run's losses and last checkpoint), and finishing the work gives the new state with no temporary
 * left. The full loop, 30 points each, is `npm run kill-loop` (docs/testing.md).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_KILL_SEED, KILL_OPERATIONS, runKillLoop } from './helpers/kill-loop.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

const POINTS = 3;

describe(`kill -9 at ${POINTS} seeded points (seed ${DEFAULT_KILL_SEED})`, () => {
  for (const operation of Object.keys(KILL_OPERATIONS)) {
    it(`${operation}: the store holds the old or the new state after every kill, and finishing the work gives the new state`, async () => {
      const [summary] = await runKillLoop({ operations: [operation], points: POINTS, seed: DEFAULT_KILL_SEED, root: tempDir('dsi-kill-loop-') });
      const failed = summary!.points.filter((p) => p.failure !== undefined);
      assert.deepEqual(failed.map((p) => `#${p.point} at ${p.delayMs} ms: ${p.failure}`), []);
      assert.equal(summary!.points.length, POINTS);
      assert.ok(summary!.points.some((p) => p.outcome !== 'finished'), 'at least one point killed the operation before it ended');
    });
  }
});
