/**
 * Files a read puts into the store's data folder (the PNGs an IDX file becomes), kept in step
 * with the read's transaction: readers write them into a private staging folder inside the data
 * folder, the store moves them into place just before it commits, and removes them (staged or
 * moved) when the read fails. A failed read therefore leaves no file behind, and a process killed
 * at any point never leaves a row whose file is missing: at worst a few unreferenced files, or a
 * staging folder that the next read of any process cleans up once the process that made it is
 * gone (the ownership rule of src/atomic-write.ts: a read still running elsewhere keeps its own).
 *
 * Staged files are not fsynced one by one: at about 2.5 ms a file on our VMs that would add three
 * minutes to MNIST's 70,000 PNGs. A killed process is covered all the same (the rename order
 * above); a power cut may leave a committed row whose file lost its last bytes.
 *
 * Moving is a rename on the same file system: a folder whose destination does not exist yet moves
 * whole (the 70,000 PNGs of MNIST in one rename per split), otherwise file by file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { containedPath } from '../contained-path.js';
import { FILE_MODE, FOLDER_MODE, isAbandoned, makeStagingFolderSync, removeStaleEntriesSync, THIS_HOST } from '../atomic-write.js';
import { StoreError } from '../errors.js';
import { STAGING_FOLDER } from './data-folder-names.js';
import type { FileSink } from './reader.js';

/** Staging folders live here, inside the data folder, so that moving them is a rename. */
const STAGING = STAGING_FOLDER;

/** Staging folders named `PID-RANDOM` by earlier versions, owned by process PID of this machine. */
const LEGACY_STAGING = /^([1-9]\d*)-[0-9a-f]{12}$/;

/** Remove the staging folders of earlier versions' reads whose process is gone (makeStagingFolderSync sweeps the others). */
function removeAbandonedLegacy(stagingRoot: string): void {
  removeStaleEntriesSync(stagingRoot, (name) => {
    const legacy = LEGACY_STAGING.exec(name);
    return legacy !== null && isAbandoned(THIS_HOST, Number(legacy[1]), 0);
  });
}

/** A relative path inside the data folder as `/`-joined parts, refusing any way out of it. */
function checkedRelative(relative: string): string {
  const parts = relative.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..') || path.isAbsolute(relative)) {
    throw new StoreError('E_UNSAFE_PATH', `a stored file's path must stay inside the data folder, got "${relative}"`);
  }
  return parts.join('/');
}

export class FileStage implements FileSink {
  readonly #dataFolder: string;
  readonly #fileRoot: string;
  #folder: string | undefined;
  /** Whether this stage made the data folder (then a discard removes it again when empty). */
  #madeDataFolder = false;
  /** Folders created under the staging folder (so mkdir runs once per folder). */
  readonly #made = new Set<string>();
  /** What `publish` moved into place: removed again if the commit fails. */
  readonly #published: string[] = [];

  /**
   * @param dataFolder where the store keeps its files (`NAME.data/`)
   * @param fileRoot the folder `FILE…` paths are relative to (the one holding `NAME.db`)
   */
  constructor(dataFolder: string, fileRoot: string) {
    this.#dataFolder = dataFolder;
    this.#fileRoot = fileRoot;
  }

  /** The staging folder, made on the first write (a read that writes no file makes none). */
  #staging(): string {
    if (this.#folder === undefined) {
      const root = path.join(this.#dataFolder, STAGING);
      this.#madeDataFolder ||= !fs.existsSync(this.#dataFolder);
      removeAbandonedLegacy(root);
      this.#folder = makeStagingFolderSync(root, 'read');
    }
    return this.#folder;
  }

  writeSync(relative: string, bytes: Uint8Array): string {
    const rel = checkedRelative(relative);
    const slash = rel.lastIndexOf('/');
    const name = rel.slice(slash + 1);
    if (name === '') throw new StoreError('E_BAD_ARGUMENT', `a stored file needs a name, got "${relative}"`);
    const folder = this.folder(slash < 0 ? '' : rel.slice(0, slash));
    fs.writeFileSync(path.join(folder.path, name), bytes, { mode: FILE_MODE });
    return folder.value === '' ? name : `${folder.value}/${name}`;
  }

  folder(relative: string): { path: string; value: string } {
    const rel = checkedRelative(relative);
    const staged = rel === '' ? this.#staging() : path.join(this.#staging(), rel);
    const target = rel === '' ? this.#dataFolder : path.join(this.#dataFolder, rel);
    if (!this.#made.has(staged)) {
      // The names come from table and split names: a symlink in the data folder must not lead them out.
      if (rel !== '') containedPath(this.#dataFolder, rel, { origin: "a stored file's folder" });
      fs.mkdirSync(staged, { recursive: true, mode: FOLDER_MODE });
      this.#made.add(staged);
    }
    return { path: staged, value: path.relative(this.#fileRoot, target).split(path.sep).join('/') };
  }

  /** Move every staged file to its place in the data folder (the caller then commits). */
  publish(): void {
    if (this.#folder === undefined) return;
    this.#move(this.#folder, this.#dataFolder);
    this.#removeStaging();
  }

  /** Remove the staging folder, and the folder of staging folders when no other read uses it. */
  #removeStaging(): void {
    if (this.#folder === undefined) return;
    fs.rmSync(this.#folder, { recursive: true, force: true });
    this.#folder = undefined;
    try {
      fs.rmdirSync(path.join(this.#dataFolder, STAGING));
    } catch {
      /* another read is staging files, or it is gone already */
    }
  }

  #move(from: string, to: string): void {
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      const exists = fs.existsSync(target);
      if (entry.isDirectory() && exists) {
        this.#move(source, target);
        continue;
      }
      if (!exists) fs.mkdirSync(to, { recursive: true, mode: FOLDER_MODE });
      fs.renameSync(source, target);
      this.#published.push(target);
    }
  }

  /** Remove what this stage wrote: the staging folder and whatever `publish` had moved. */
  discard(): void {
    this.#removeStaging();
    // A file that replaced one already there (left by a killed process) goes too: nothing
    // committed refers to it.
    for (const p of this.#published.splice(0)) fs.rmSync(p, { recursive: true, force: true });
    if (this.#madeDataFolder) {
      try {
        fs.rmdirSync(this.#dataFolder);
      } catch {
        /* not empty: another read put files there meanwhile */
      }
    }
  }
}
