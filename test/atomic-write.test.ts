/**
 * src/atomic-write.ts: a file or folder written atomically is, after `kill -9` at any step of the
 * protocol or at any moment of a write loop, its complete old or complete new content (a folder
 * caught between its two renames is put back by the next open); the next write removes what
 * killed writers left, but never the temporaries of a write still running elsewhere; files and
 * folders get the store's modes under umask 022.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FOREIGN_STALE_MS,
  makeFolderSync,
  moveAsideSync,
  recoverFolderSync,
  replaceFolderSync,
  sweepStaleSync,
  THIS_HOST,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../src/atomic-write.js';
import { content, FILE_BYTES, FOLDER_FILES } from './helpers/atomic-writer-child.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'atomic-writer-child.js');

let dir: string;
let umask: number;

before(() => {
  umask = process.umask(0o022);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-atomic-'));
});

after(() => {
  process.umask(umask);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder for one case. */
function caseFolder(name: string): string {
  const f = path.join(dir, name);
  fs.mkdirSync(f);
  return f;
}

/** The version a file holds, or a description of what is wrong with it. */
function fileVersion(file: string): number | string {
  const bytes = fs.readFileSync(file);
  if (bytes.length !== FILE_BYTES) return `${bytes.length} bytes, not ${FILE_BYTES}`;
  const v = bytes[0]!;
  return bytes.every((b) => b === v) ? v : 'mixed bytes';
}

/** The version a written folder holds (every file whole and of one version), or what is wrong. */
function folderVersion(folder: string): number | string {
  const names = fs.readdirSync(folder).sort();
  if (names.length !== FOLDER_FILES) return `${names.length} files, not ${FOLDER_FILES}`;
  const versions = new Set(names.map((n) => fileVersion(path.join(folder, n))));
  return versions.size === 1 ? [...versions][0]! : `files of versions ${[...versions].join(', ')}`;
}

/** Entries of `folder` that are temporaries of the atomic writes. */
function leftovers(folder: string): string[] {
  return fs.readdirSync(folder).filter((n) => /\.dsi-(tmp|old)-/.test(n));
}

/** Runs the child to completion (it kills itself at `step`); returns its signal. */
function runChildToStep(kind: 'file' | 'folder', target: string, step: string): NodeJS.Signals | null {
  const r = spawnSync(process.execPath, [CHILD, kind, target, `step:${step}`], { encoding: 'utf8' });
  assert.equal(r.stdout, '', `the child reached step ${step}: ${r.stderr}`);
  return r.signal;
}

/** Starts the write loop, kills it with SIGKILL once it has completed `writes` writes. */
async function killLoopAfter(kind: 'file' | 'folder', target: string, writes: number): Promise<void> {
  const child = spawn(process.execPath, [CHILD, kind, target, 'loop'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let lines = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      lines += chunk.toString().split('\n').length - 1;
      if (lines >= writes) resolve();
    });
    child.once('exit', () => resolve());
  });
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('atomic files', () => {
  it('writeFileAtomicSync replaces the content whole, mode 0640 under umask 022, leaving no temporary', () => {
    const f = caseFolder('file-basic');
    const target = path.join(f, 'a.bin');
    writeFileAtomicSync(target, content(1));
    assert.equal(fileVersion(target), 1);
    writeFileAtomicSync(target, 'text');
    assert.equal(fs.readFileSync(target, 'utf8'), 'text');
    assert.equal(fs.statSync(target).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(f), ['a.bin']);
  });

  it('writeFileAtomic (async) does the same', async () => {
    const f = caseFolder('file-async');
    const target = path.join(f, 'a.bin');
    await writeFileAtomic(target, content(2));
    assert.equal(fileVersion(target), 2);
    assert.equal(fs.statSync(target).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(f), ['a.bin']);
  });

  it('a write that fails (the target is a folder) leaves the target and no temporary', () => {
    const f = caseFolder('file-fails');
    fs.mkdirSync(path.join(f, 'taken'));
    fs.writeFileSync(path.join(f, 'taken', 'x'), 'kept');
    assert.throws(() => writeFileAtomicSync(path.join(f, 'taken'), 'new'), (e: NodeJS.ErrnoException) => ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(e.code ?? ''));
    assert.equal(fs.readFileSync(path.join(f, 'taken', 'x'), 'utf8'), 'kept');
    assert.deepEqual(fs.readdirSync(f), ['taken']);
  });

  for (const step of ['temp-synced', 'renamed']) {
    it(`kill -9 after step ${step}: the file is the whole old or new version, and the next write removes the temporary`, () => {
      const f = caseFolder(`file-kill-${step}`);
      const target = path.join(f, 'a.bin');
      writeFileAtomicSync(target, content(1));
      assert.equal(runChildToStep('file', target, step), 'SIGKILL');
      assert.equal(fileVersion(target), step === 'renamed' ? 2 : 1);
      if (step === 'temp-synced') assert.equal(leftovers(f).length, 1, 'the killed write left its temporary');
      writeFileAtomicSync(target, content(3));
      assert.equal(fileVersion(target), 3);
      assert.deepEqual(fs.readdirSync(f), ['a.bin'], 'no temporary left');
    });
  }

  it('killed at any moment of a write loop (10 kills), the file is always one whole version', async () => {
    const f = caseFolder('file-loop');
    const target = path.join(f, 'a.bin');
    writeFileAtomicSync(target, content(1));
    for (let i = 0; i < 10; i++) {
      await killLoopAfter('file', target, 1 + (i % 4));
      const v = fileVersion(target);
      assert.ok(v === 1 || v === 2, `after kill ${i + 1}: ${v}`);
    }
    writeFileAtomicSync(target, content(1));
    assert.deepEqual(fs.readdirSync(f), ['a.bin'], 'the next write removed every temporary of the killed writers');
  });
});

describe('atomic folders', () => {
  it('replaceFolderSync fills a new folder (mode 0750) and replaces an existing one whole', () => {
    const f = caseFolder('folder-basic');
    const target = path.join(f, 'ckpt');
    replaceFolderSync(target, (temp) => fs.writeFileSync(path.join(temp, 'a'), 'one'));
    assert.equal(fs.statSync(target).mode & 0o777, 0o750);
    replaceFolderSync(target, (temp) => fs.writeFileSync(path.join(temp, 'b'), 'two'));
    assert.deepEqual(fs.readdirSync(target), ['b']);
    assert.deepEqual(fs.readdirSync(f), ['ckpt']);
  });

  it('a fill that throws leaves the old folder and no temporary', () => {
    const f = caseFolder('folder-fill-throws');
    const target = path.join(f, 'ckpt');
    replaceFolderSync(target, (temp) => fs.writeFileSync(path.join(temp, 'a'), 'one'));
    assert.throws(
      () =>
        replaceFolderSync(target, (temp) => {
          fs.writeFileSync(path.join(temp, 'half'), 'x');
          throw new Error('disk full');
        }),
      /disk full/,
    );
    assert.deepEqual(fs.readdirSync(target), ['a']);
    assert.deepEqual(fs.readdirSync(f), ['ckpt']);
  });

  it('missing parents are made with mode 0750', () => {
    const f = caseFolder('folder-parents');
    replaceFolderSync(path.join(f, 'x', 'y', 'ckpt'), (temp) => fs.writeFileSync(path.join(temp, 'a'), 'one'));
    assert.equal(fs.statSync(path.join(f, 'x')).mode & 0o777, 0o750);
    assert.equal(fs.statSync(path.join(f, 'x', 'y')).mode & 0o777, 0o750);
  });

  const expected: Record<string, number> = { 'temp-synced': 1, 'old-moved-aside': 1, renamed: 2, 'old-removed': 2 };
  for (const [step, version] of Object.entries(expected)) {
    it(`kill -9 after step ${step}: once opened, the folder is whole version ${version}, and the next write cleans up`, () => {
      const f = caseFolder(`folder-kill-${step}`);
      const target = path.join(f, 'ckpt');
      replaceFolderSync(target, (temp) => {
        for (let i = 0; i < FOLDER_FILES; i++) fs.writeFileSync(path.join(temp, `part-${i}.bin`), content(1));
      });
      assert.equal(runChildToStep('folder', target, step), 'SIGKILL');
      if (step === 'old-moved-aside') assert.ok(!fs.existsSync(target), 'killed between the two renames, the target is absent until recovered');
      else assert.equal(folderVersion(target), version, 'the folder is whole without any recovery');
      recoverFolderSync(target);
      assert.equal(folderVersion(target), version);
      replaceFolderSync(target, (temp) => fs.writeFileSync(path.join(temp, 'next'), 'v3'));
      assert.deepEqual(fs.readdirSync(f), ['ckpt'], 'no temporary left');
      assert.deepEqual(fs.readdirSync(target), ['next']);
    });
  }

  it('killed at any moment of a folder write loop (8 kills), the opened folder is always one whole version', async () => {
    const f = caseFolder('folder-loop');
    const target = path.join(f, 'ckpt');
    for (let i = 0; i < 8; i++) {
      await killLoopAfter('folder', target, 1 + (i % 3));
      recoverFolderSync(target);
      const v = folderVersion(target);
      assert.ok(v === 1 || v === 2, `after kill ${i + 1}: ${v}`);
    }
    replaceFolderSync(target, (temp) => fs.writeFileSync(path.join(temp, 'last'), 'x'));
    assert.deepEqual(fs.readdirSync(f), ['ckpt'], 'the next write removed every temporary of the killed writers');
  });

  it('moveAsideSync: restore puts the folder back, discard removes it, and a process killed while it is aside gets it back on the next sweep', () => {
    const f = caseFolder('aside');
    const target = path.join(f, 'run');
    makeFolderSync(target);
    fs.writeFileSync(path.join(target, 'a'), 'kept');
    const first = moveAsideSync(target);
    assert.ok(!fs.existsSync(target));
    first.restore();
    assert.equal(fs.readFileSync(path.join(target, 'a'), 'utf8'), 'kept');
    // What a killed process leaves: the folder aside under a dead process's name.
    fs.renameSync(target, path.join(f, `.run.dsi-old-${THIS_HOST}-${deadPid()}-0badc0de`));
    assert.equal(sweepStaleSync(f), 1);
    assert.equal(fs.readFileSync(path.join(target, 'a'), 'utf8'), 'kept');
    moveAsideSync(target).discard();
    assert.deepEqual(fs.readdirSync(f), []);
  });
});

describe('which temporaries a write removes', () => {
  it("a dead process's are removed; a live process's, this process's and a recent one of another machine are kept; an old one of another machine is removed", () => {
    const f = caseFolder('owners');
    const other = THIS_HOST === '00000000' ? '11111111' : '00000000';
    const names = {
      dead: `.a.bin.dsi-tmp-${THIS_HOST}-${deadPid()}-00000001`,
      live: `.a.bin.dsi-tmp-${THIS_HOST}-${process.ppid}-00000002`,
      mine: `.a.bin.dsi-tmp-${THIS_HOST}-${process.pid}-00000003`,
      foreignRecent: `.a.bin.dsi-tmp-${other}-12345-00000004`,
      foreignOld: `.b.dsi-tmp-${other}-12345-00000005`,
    };
    for (const n of Object.values(names)) fs.writeFileSync(path.join(f, n), 'partial');
    const old = (Date.now() - FOREIGN_STALE_MS - 60_000) / 1000;
    fs.utimesSync(path.join(f, names.foreignOld), old, old);
    fs.writeFileSync(path.join(f, 'unrelated.tmp'), 'not ours');
    writeFileAtomicSync(path.join(f, 'a.bin'), 'new');
    assert.deepEqual(fs.readdirSync(f).sort(), ['a.bin', names.live, names.mine, names.foreignRecent, 'unrelated.tmp'].sort());
  });
});
