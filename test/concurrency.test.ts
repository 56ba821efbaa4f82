/** Readers and a writer share one store: WAL mode and the busy timeout at work. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { Store, openStore } from '../src/index.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

describe('a store shared by a writer and readers', () => {
  it('a reader sees the last committed state while a read is half-way, and the new rows after it commits', async () => {
    const dir = tempDir('dsi-share-');
    const db = path.join(dir, 'dsi.db');
    const writer = await openStore(db);
    await writer.read(writeSmall(dir), { table: 'runs' });
    const reader = await openStore(db, { readOnly: true });
    try {
      const big = path.join(dir, 'big.csv');
      const lines = ['step,value'];
      for (let i = 0; i < 200_000; i++) lines.push(`${i},${i * 0.5}`);
      fs.writeFileSync(big, `${lines.join('\n')}\n`);

      let seenDuring: unknown;
      let resolveHalf!: () => void;
      const half = new Promise<void>((r) => (resolveHalf = r));
      const reading = writer.read(big, {
        table: 'runs',
        onProgress: (p) => {
          if (p.total !== undefined && p.done >= p.total / 2) resolveHalf();
        },
      });
      await half;
      seenDuring = await reader.query('SELECT count(*) AS n FROM runs');
      await reading;
      assert.deepEqual(seenDuring, [{ n: 2 }], 'the reader saw only committed rows while the writer was busy');
      assert.deepEqual(await reader.query('SELECT count(*) AS n FROM runs'), [{ n: 200_002 }]);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('a writer in another process waits for the open write transaction instead of failing', async () => {
    const dir = tempDir('dsi-share-');
    const db = path.join(dir, 'dsi.db');
    const a = await openStore(db);
    try {
      const big = path.join(dir, 'a.csv');
      const lines = ['k'];
      for (let i = 0; i < 200_000; i++) lines.push(String(i));
      fs.writeFileSync(big, `${lines.join('\n')}\n`);
      const small = writeSmall(dir);
      let child: Promise<{ code: number | null; stderr: string; startedAt: number; endedAt: number }> | undefined;
      const first = a.read(big, {
        table: 't',
        onProgress: (p) => {
          // Early in the read, a second process starts its own write on the same store.
          if (child === undefined && p.total !== undefined && p.done >= p.total / 10) child = writeInChild(db, small);
        },
      });
      await first;
      const committedAt = Date.now();
      assert.ok(child, 'the child was started during the read');
      const result = await child;
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.endedAt >= committedAt - 50, 'the child finished after the first write committed');
      assert.deepEqual(await a.list(), [
        { table: 't', columns: 1, rows: 200_000 },
        { table: 'u', columns: 2, rows: 2 },
      ]);
    } finally {
      await a.close();
    }
  });
});

const index = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/index.js');

/** Read `file` as table `u` into the store at `db` from a separate node process. */
function writeInChild(db: string, file: string): Promise<{ code: number | null; stderr: string; startedAt: number; endedAt: number }> {
  const startedAt = Date.now();
  const code = `const { openStore } = await import(${JSON.stringify(pathToFileURL(index).href)});
    const s = await openStore(${JSON.stringify(db)});
    await s.read(${JSON.stringify(file)}, { table: 'u' });
    await s.close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (exit) => resolve({ code: exit, stderr, startedAt, endedAt: Date.now() }));
  });
}

function writeSmall(dir: string): string {
  const file = path.join(dir, `small-${Math.random().toString(36).slice(2)}.csv`);
  fs.writeFileSync(file, 'step,value\n1,0.5\n2,1.5\n');
  return file;
}
