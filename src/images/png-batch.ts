/** A batch of same-sized 8-bit images to encode as PNGs and write into one folder (the IDX reader's unit of work). */
import fs from 'node:fs';
import path from 'node:path';
import type { SampleCount } from './decoded-image.js';
import { encodePng } from './png-codec.js';

export interface PngBatch {
  /** Folder to write into (it exists). */
  readonly folder: string;
  /** One file name per image. */
  readonly names: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly channels: SampleCount;
  /** The images one after another, interleaved samples: `names.length · height · width · channels` bytes. */
  readonly pixels: Uint8Array;
}

/** Encode and write every image of `batch`; files get mode 0640 (no world access). */
export function writePngBatch(batch: PngBatch): void {
  const { width, height, channels, pixels } = batch;
  const size = width * height * channels;
  for (let i = 0; i < batch.names.length; i++) {
    const png = encodePng({ width, height, channels, data: pixels.subarray(i * size, (i + 1) * size) });
    fs.writeFileSync(path.join(batch.folder, batch.names[i]!), png, { mode: 0o640 });
  }
}
