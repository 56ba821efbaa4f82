/**
 * The safetensors format, read and written in TypeScript: an 8-byte little-endian header length,
 * a JSON header (`{name: {dtype, shape, data_offsets}, __metadata__: {…}}`) padded with spaces to
 * 8 bytes, then the tensors' raw little-endian bytes. Files written here load in Python with
 * `safetensors.torch.load_file`, and files written there load here. Writes go through
 * `writeFileAtomicSync` (src/atomic-write.ts): a killed process leaves either the old file or the
 * new one, created with the store's file mode (0640).
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomicSync } from '../../atomic-write.js';
import { Tensor } from '../tensor.js';
import { tensor as fromData } from '../factories.js';
import { TorchError } from '../errors.js';
import { DTYPE_SIZES, TYPED_ARRAY_OF, type AnyTypedArray, type DType } from '../dtype.js';

const TO_FILE: Readonly<Record<DType, string>> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_FILE = new Map<string, DType>(Object.entries(TO_FILE).map(([d, f]) => [f, d as DType]));

/** The largest header accepted (the format's own readers use 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export type TensorDict = Map<string, Tensor> | Record<string, Tensor>;

export interface SafetensorsContents {
  /** In the file's order of keys. */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new TorchError('safetensors is little-endian; this host is big-endian', 'E_FORMAT');
}

/** The file's bytes for these tensors (copied to the CPU, row-major). */
export function encodeSafetensors(tensors: TensorDict, metadata: Record<string, string> = {}): Uint8Array {
  assertLittleEndian();
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TorchError(`safetensors metadata values must be strings; '${k}' is ${typeof v}`, 'E_ARGUMENT');
  }
  const seen = new Set<string>();
  const items = entries.map(([name, t]) => {
    if (name === '__metadata__') throw new TorchError("'__metadata__' is reserved in safetensors and cannot name a tensor", 'E_ARGUMENT');
    if (seen.has(name)) throw new TorchError(`tensor name '${name}' appears twice`, 'E_ARGUMENT');
    seen.add(name);
    if (!(t instanceof Tensor)) throw new TorchError(`'${name}' is not a tensor`, 'E_ARGUMENT');
    const dtype = t.dtype;
    const data = t.toArray() as AnyTypedArray;
    return { name, dtype, shape: t.shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  });
  // Larger elements first keeps every tensor aligned to its element size, as Python's writer does.
  items.sort((a, b) => DTYPE_SIZES[b.dtype] - DTYPE_SIZES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const it of items) {
    header[it.name] = { dtype: TO_FILE[it.dtype], shape: it.shape, data_offsets: [offset, offset + it.bytes.byteLength] };
    offset += it.bytes.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const it of items) {
    out.set(it.bytes, at);
    at += it.bytes.byteLength;
  }
  return out;
}

/**
 * Reads safetensors bytes. `source` names the file in error messages. Tensors are new CPU
 * tensors (moved to `device` when given) owned by the caller.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>', options: { device?: string } = {}): SafetensorsContents {
  assertLittleEndian();
  const fail = (what: string): never => {
    throw new TorchError(`${source}: not a valid safetensors file: ${what}`, 'E_FORMAT');
  };
  if (bytes.byteLength < 8) fail(`only ${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.byteLength - 8))) fail(`header length ${headerLength} exceeds the file`);
  const n = Number(headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  const ranges: [number, number][] = [];
  try {
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') {
        if (typeof entry !== 'object' || entry === null) fail('__metadata__ is not an object');
        for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
          if (typeof v !== 'string') fail(`metadata '${k}' is not a string`);
          metadata[k] = v as string;
        }
        continue;
      }
      const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const dtype = typeof e.dtype === 'string' ? FROM_FILE.get(e.dtype) : undefined;
      if (dtype === undefined) fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(e.dtype)}`);
      const d = dtype as DType;
      const shape = e.shape;
      if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) fail(`tensor '${name}' has a malformed shape`);
      const offsets = e.data_offsets;
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
        fail(`tensor '${name}' has malformed data_offsets`);
      }
      const [begin, end] = offsets as [number, number];
      const numel = (shape as number[]).reduce((a, b) => a * b, 1);
      if (end < begin || end > dataLength) fail(`tensor '${name}' lies outside the data (offsets ${begin}..${end}, data ${dataLength} bytes)`);
      if (end - begin !== numel * DTYPE_SIZES[d]) {
        fail(`tensor '${name}' has ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${d} needs ${numel * DTYPE_SIZES[d]}`);
      }
      ranges.push([begin, end]);
      const absolute = bytes.byteOffset + dataStart + begin;
      const size = DTYPE_SIZES[d];
      // A view when aligned; otherwise a copy (the addon copies the data in either way).
      const array =
        absolute % size === 0
          ? new TYPED_ARRAY_OF[d](bytes.buffer, absolute, numel)
          : new TYPED_ARRAY_OF[d](bytes.slice(dataStart + begin, dataStart + end).buffer, 0, numel);
      let t = fromData(array, { shape: shape as number[], dtype: d });
      if (options.device !== undefined && options.device !== 'cpu') {
        const moved = t.to(options.device);
        t.dispose();
        t = moved;
      }
      tensors.set(name, t);
    }
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i]![0] < ranges[i - 1]![1]) fail('two tensors overlap in the data');
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

/** Writes tensors (and string metadata) to `file` atomically (the old file or the new one, never half of one). */
export function saveSafetensors(file: string, tensors: TensorDict, metadata: Record<string, string> = {}): void {
  writeFileAtomicSync(file, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file; errors name the file. */
export function loadSafetensors(file: string, options: { device?: string } = {}): SafetensorsContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new TorchError(`${file}: cannot read (${e instanceof Error ? e.message : String(e)})`, 'E_FORMAT');
  }
  return decodeSafetensors(bytes, file, options);
}
