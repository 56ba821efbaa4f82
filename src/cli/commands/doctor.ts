/**
 * `dsi doctor`: which libtorch the torch layer runs on, how many threads it uses, and what would
 * make training slow; and, when the store named by `--db` exists, which of its paths have unsafe
 * permissions (src/files/permission-audit.ts). The torch layer is imported lazily, so the store
 * commands keep working where the addon is not built, and doctor can say so in one line.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { auditPermissions, type PermissionReport } from '../../files/permission-audit.js';
import { openStore } from '../../index.js';
import { globalOptions } from '../context.js';
import { printJson } from '../output.js';

export interface DoctorReport {
  libtorch: { version: string; path: string; source: string; cuda: boolean; blas: string };
  /** libtorch's intra-op threads. */
  threads: number;
  physical_cores: number;
  cuda_devices: number;
  node: string;
  cpu_capability: string;
  /** What accelerates bfloat16 autocast on this CPU. */
  cpu_bf16: 'amx' | 'avx512_bf16' | 'none' | 'unknown';
  mkldnn: boolean;
  openmp: boolean;
  warnings: string[];
  /** The store's permission audit; null when `--db` names no store file that exists. */
  permissions: (PermissionReport & { store: string }) | null;
}

/** Thrown when the addon is missing or does not load: the one thing doctor cannot report on. */
export class TorchUnavailableError extends Error {
  constructor(reason: string) {
    const first = reason.split('\n')[0] ?? reason;
    const hint = first.includes('scripts/setup.sh') ? '' : '; run `bash scripts/setup.sh` to install libtorch and build the addon';
    super(`the torch layer is not available: ${first}${hint}`);
    this.name = 'TorchUnavailableError';
  }
}

/** Imports the torch layer, turning a missing or broken addon into a TorchUnavailableError. */
export async function loadTorch(): Promise<typeof import('../../torch/index.js')> {
  try {
    return await import('../../torch/index.js');
  } catch (e) {
    throw new TorchUnavailableError(e instanceof Error ? e.message : String(e));
  }
}

export interface TorchFacts {
  /** How libtorch was found: pip, LIBTORCH, debian (or unknown). */
  source: string;
  blas: string;
  threads: number;
  physicalCores: number;
}

/** One warning for each known cause of slow training in these facts. */
export function diagnose(f: TorchFacts): string[] {
  const warnings: string[] = [];
  if (f.source === 'debian') {
    warnings.push(
      "libtorch is Debian's libtorch-dev: it trains several times slower than PyTorch's own build " +
        '(reference BLAS or OpenBLAS instead of MKL, older kernels); run `bash scripts/setup.sh` where pip works, or set LIBTORCH',
    );
  } else if (!['pip', 'LIBTORCH'].includes(f.source)) {
    warnings.push('native/libtorch.json is missing, so where libtorch came from is unknown: run `bash scripts/setup.sh`');
  }
  // PyTorch's build names OpenBLAS 'open' in BLAS_INFO.
  const blas = f.blas.toLowerCase();
  if (!blas.includes('mkl') && blas !== 'open' && !blas.includes('openblas')) {
    warnings.push(`libtorch's BLAS is '${f.blas}', neither MKL nor OpenBLAS: linear layers and convolutions will be slow`);
  }
  if (f.threads > f.physicalCores) {
    warnings.push(
      `${f.threads} intra-op threads on ${f.physicalCores} physical cores: oversubscription slows training; ` +
        `set OMP_NUM_THREADS=${f.physicalCores} (or --threads where a command takes it)`,
    );
  }
  return warnings;
}

/**
 * What speeds up bfloat16 autocast on this CPU, from Linux's CPU flags: AMX tiles (several times
 * float32's speed on convolutions), AVX-512 BF16 instructions (some gain), or nothing (bf16 is
 * then usually slower than float32).
 */
export function cpuBf16Support(): 'amx' | 'avx512_bf16' | 'none' | 'unknown' {
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
    if (flags.includes('amx_bf16')) return 'amx';
    if (flags.includes('avx512_bf16')) return 'avx512_bf16';
    return 'none';
  } catch {
    return 'unknown';
  }
}

/**
 * The permission audit of the store file `db`, or null when it is not a file that exists (a
 * server URL, or no store yet: doctor creates none). The store is opened read-only.
 */
export async function storePermissions(db: string, backend: string, dataFolder?: string): Promise<(PermissionReport & { store: string }) | null> {
  if (db === '' || db === ':memory:' || /^[a-z][a-z0-9+.-]*:\/\//i.test(db) || db.startsWith('file:') || !existsSync(db)) return null;
  const store = await openStore(db, { backend, readOnly: true, ...(dataFolder === undefined ? {} : { dataFolder }) });
  try {
    return { store: db, ...(await auditPermissions(store)) };
  } finally {
    await store.close();
  }
}

/** What the environment looks like to the torch layer, with a warning for each known slowdown. */
export async function doctorReport(permissions: DoctorReport['permissions'] = null): Promise<DoctorReport> {
  const torch = await loadTorch();
  const info = torch.buildInfo();
  const threads = torch.getNumThreads();
  const cores = torch.physicalCores();
  const warnings = diagnose({ source: info.source, blas: info.blas, threads, physicalCores: cores });
  return {
    libtorch: { version: info.version, path: info.path, source: info.source, cuda: info.cuda, blas: info.blas },
    threads,
    physical_cores: cores,
    cuda_devices: torch.cuda.deviceCount(),
    node: process.versions.node,
    cpu_capability: info.cpuCapability,
    cpu_bf16: cpuBf16Support(),
    mkldnn: info.mkldnn,
    openmp: info.openmp,
    warnings,
    permissions,
  };
}

/** Two aligned columns, label and value. */
export function printPairs(pairs: readonly (readonly [string, string])[]): void {
  const width = Math.max(...pairs.map(([k]) => k.length));
  process.stdout.write(pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n');
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the torch layer (which libtorch, its BLAS, threads, CUDA devices, what would slow training) and the store\'s permissions (world-writable paths, world-readable files in private folders)')
    .option('--json', 'print the report as one JSON object')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const permissions = await storePermissions(g.db, g.backend, g.dataFolder);
      const r = await doctorReport(permissions);
      if (opts.json) {
        printJson(r);
        return;
      }
      printPairs([
        ['libtorch', `${r.libtorch.version} (${r.libtorch.source})`],
        ['path', r.libtorch.path],
        ['blas', r.libtorch.blas],
        ['cpu capability', r.cpu_capability],
        ['cpu bf16', { amx: 'AMX (bf16 autocast pays off)', avx512_bf16: 'AVX-512 BF16 (bf16 autocast may pay off)', none: 'none (bf16 autocast is likely slower than fp32)', unknown: 'unknown' }[r.cpu_bf16]],
        ['mkldnn', r.mkldnn ? 'yes' : 'no'],
        ['threads', `${r.threads} intra-op (${r.physical_cores} physical cores)`],
        ['cuda', r.libtorch.cuda ? `built with CUDA, ${r.cuda_devices} device(s)` : 'CPU-only build'],
        ['node', r.node],
        ['permissions', r.permissions === null ? `no store file at ${g.db}` : `${r.permissions.store}: ${r.permissions.checked} paths checked, ${r.permissions.findings.length} unsafe`],
      ]);
      for (const w of r.warnings) process.stdout.write(`warning: ${w}\n`);
      const findings = r.permissions?.findings ?? [];
      for (const f of findings) process.stdout.write(`warning: ${f.message}; fix: ${f.fix}\n`);
      if (r.permissions?.capped) process.stdout.write(`note: permissions of ${r.permissions.checked} paths checked, a sample: the data folder or the referenced files are more than doctor checks\n`);
      if (r.warnings.length === 0 && findings.length === 0) process.stdout.write('ok\n');
    });
}
