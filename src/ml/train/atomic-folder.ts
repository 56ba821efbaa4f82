/**
 * Writes a folder as a whole: `fill` writes into a temporary folder beside `folder`, which is then
 * renamed into place (replacing an existing one). A killed process leaves the old folder or the
 * new one, never half of one; a `fill` that throws leaves the old one and no temporary folder.
 */
import fs from 'node:fs';

export function writeFolderAtomically(folder: string, fill: (temp: string) => void): void {
  const temp = `${folder}.tmp-${process.pid}`;
  fs.rmSync(temp, { recursive: true, force: true });
  fs.mkdirSync(temp, { recursive: true });
  try {
    fill(temp);
    if (fs.existsSync(folder)) {
      const old = `${folder}.old-${process.pid}`;
      fs.renameSync(folder, old);
      fs.renameSync(temp, folder);
      fs.rmSync(old, { recursive: true, force: true });
    } else fs.renameSync(temp, folder);
  } catch (e) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw e;
  }
}
