/**
 * A process for the `kill -9` tests of src/atomic-write.ts, run as
 * `node atomic-writer-child.js KIND TARGET MODE`:
 *
 * - KIND `file` writes TARGET as one file, `folder` as a folder of {@link FOLDER_FILES} files;
 *   version v's content is {@link content}(v), every byte of it telling v.
 * - MODE `step:NAME` writes version 2 over version 1 and kills itself with SIGKILL right after the
 *   protocol step NAME; MODE `loop` writes versions 1, 2, 1, 2, … forever, printing `v` on stdout
 *   after each completed write, until it is killed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { replaceFolderSync, writeFileAtomicSync, type AtomicStep } from '../../src/atomic-write.js';

/** Files in a written folder. */
export const FOLDER_FILES = 12;
/** Bytes of each written file (large enough that a write takes a while). */
export const FILE_BYTES = 256 * 1024;

/** The bytes of version `v` of a file: all `v`. */
export function content(v: number): Buffer {
  return Buffer.alloc(FILE_BYTES, v);
}

function write(kind: string, target: string, v: number, onStep?: (step: AtomicStep) => void): void {
  const options = onStep === undefined ? {} : { onStep };
  if (kind === 'file') writeFileAtomicSync(target, content(v), options);
  else {
    replaceFolderSync(
      target,
      (temp) => {
        for (let i = 0; i < FOLDER_FILES; i++) fs.writeFileSync(path.join(temp, `part-${i}.bin`), content(v));
      },
      options,
    );
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const [kind, target, mode] = process.argv.slice(2) as [string, string, string];
  if (mode.startsWith('step:')) {
    const at = mode.slice('step:'.length);
    write(kind, target, 2, (step) => {
      if (step === at) process.kill(process.pid, 'SIGKILL');
    });
    process.stdout.write('finished without reaching the step\n');
  } else {
    for (let v = 1; ; v = 3 - v) {
      write(kind, target, v);
      process.stdout.write(`${v}\n`);
    }
  }
}
