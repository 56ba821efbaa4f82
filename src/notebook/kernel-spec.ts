/**
 * Registering this package's Jupyter kernels (what `dsi notebook install` does):
 *
 * - **TypeScript** (`dsi-ts` unless named otherwise): `node <package>/dist/src/notebook/kernel.js`
 *   (kernel.ts), in which `import … from 'dsi-ts'` works from any folder;
 * - **Python** (`dsi-python`): the project's own Python (`.venv/bin/python` of the package, made
 *   by scripts/setup.sh, with PyTorch), with `ipykernel` and `pandas` installed into it by pip
 *   when missing, for colleagues who read the store with pandas and load checkpoints in PyTorch.
 *
 * Jupyter itself is Debian's (`jupyter-notebook`, `jupyter-nbconvert`, …): looked for as `jupyter`
 * on PATH, then /usr/bin/jupyter, and installed with apt-get when missing and running as root;
 * otherwise the error gives the command to run. Each kernel spec is written into a temporary
 * folder and handed to `jupyter kernelspec install --replace`, so Jupyter decides where it goes
 * (`--user`: the user's data folder, `JUPYTER_DATA_DIR` when set; `--prefix P`: P/share/jupyter;
 * neither: the system's folder, which needs root; a user who is not root gets `--user`).
 *
 * Guarantees: running it again replaces both specs with identical ones; the TypeScript kernel is
 * registered whatever becomes of the Python one, and a Python kernel not registered is never a
 * silent skip: the result's `pythonSkipped` says why.
 *
 * @example
 * const r = await installKernels({ user: true });
 * // { kernel: 'dsi-ts', kernelDir: '/home/ana/.local/share/jupyter/kernels/dsi-ts',
 * //   pythonKernel: 'dsi-python', pythonKernelDir: '…/kernels/dsi-python', jupyter: '/usr/bin/jupyter', installedDebs: [] }
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../errors.js';

/** The package's root folder (this file is dist/src/notebook/kernel-spec.js). */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The TypeScript kernel's name unless `name` says otherwise. */
export const TYPESCRIPT_KERNEL = 'dsi-ts';
/** The Python kernel's name. */
export const PYTHON_KERNEL = 'dsi-python';
/** Debian's packages that give Jupyter with `kernelspec`, `nbconvert` and a Python kernel of its own. */
export const JUPYTER_DEBS: readonly string[] = Object.freeze(['jupyter-notebook', 'jupyter-nbconvert', 'jupyter-client', 'python3-ipykernel', 'python3-nbclient']);
/** What the Python kernel needs besides PyTorch, installed by pip when missing. */
export const PYTHON_KERNEL_PACKAGES: readonly string[] = Object.freeze(['ipykernel', 'pandas']);

export interface InstallKernelsOptions {
  /** The TypeScript kernel's name (default `dsi-ts`): letters, digits, `.`, `_`, `-`. */
  readonly name?: string;
  /** Register in the user's Jupyter data folder (`JUPYTER_DATA_DIR` when set). */
  readonly user?: boolean;
  /** Register under this prefix (`PREFIX/share/jupyter/kernels`), as a virtual environment's Jupyter looks. */
  readonly prefix?: string;
  /**
   * The Python for the `dsi-python` kernel (default: the package's `.venv/bin/python`), which must
   * import torch; `false`: register no Python kernel.
   */
  readonly python?: string | false;
  /** Lines saying what is being installed (apt-get, pip), which take a while. */
  readonly onMessage?: (line: string) => void;
}

export interface InstalledKernels {
  /** The TypeScript kernel's name. */
  readonly kernel: string;
  /** Where Jupyter put its spec. */
  readonly kernelDir: string;
  /** `dsi-python`, when it was registered. */
  readonly pythonKernel?: string;
  readonly pythonKernelDir?: string;
  /** The Python the Python kernel runs. */
  readonly python?: string;
  /** Why no Python kernel was registered (absent when one was, or when `python: false` asked for none). */
  readonly pythonSkipped?: string;
  /** The `jupyter` command used. */
  readonly jupyter: string;
  /** Debian packages installed to get Jupyter (empty when it was there). */
  readonly installedDebs: string[];
  /** Python packages pip installed for the Python kernel. */
  readonly installedPythonPackages: string[];
}

/** A kernel spec as Jupyter reads it from `kernel.json`. */
export interface KernelSpec {
  readonly argv: readonly string[];
  readonly display_name: string;
  readonly language: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

interface Ran {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the program could not start, or the signal that ended it. */
  readonly failure?: string;
}

/** Runs a program (no shell) and collects what it printed; never throws. */
function run(file: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true, stdout, stderr });
      const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
      const failure = typeof e.code === 'string' ? `${e.code}: ${e.message}` : e.killed ? `stopped after ${timeoutMs / 1000} s` : e.signal ? `ended by ${e.signal}` : undefined;
      resolve({ ok: false, stdout, stderr, ...(failure === undefined ? {} : { failure }) });
    });
  });
}

/** The last non-empty line of a program's output, for an error message. */
function lastLine(r: Ran): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return r.failure ?? lines.at(-1) ?? 'no output';
}

/** The executable `name` in PATH's folders, if any. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `jupyter` runs and has both subcommands this needs. */
async function usableJupyter(jupyter: string): Promise<boolean> {
  const [spec, convert] = await Promise.all([run(jupyter, ['kernelspec', '--version'], 60_000), run(jupyter, ['nbconvert', '--version'], 60_000)]);
  return spec.ok && convert.ok;
}

/** `jupyter` on PATH, else /usr/bin/jupyter, whichever has `kernelspec` and `nbconvert`. */
export async function findJupyter(): Promise<string | undefined> {
  const candidates = [...new Set([onPath('jupyter'), '/usr/bin/jupyter'].filter((c): c is string => c !== undefined && fs.existsSync(c)))];
  for (const c of candidates) if (await usableJupyter(c)) return c;
  return undefined;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Jupyter, installed from Debian's packages when missing and allowed; the Debian packages installed. */
async function ensureJupyter(say: (line: string) => void): Promise<{ jupyter: string; installedDebs: string[] }> {
  const found = await findJupyter();
  if (found !== undefined) return { jupyter: found, installedDebs: [] };
  const command = `apt-get install -y ${JUPYTER_DEBS.join(' ')}`;
  const aptGet = onPath('apt-get');
  if (!isRoot() || aptGet === undefined) {
    throw new StoreError('E_TOOL_MISSING', `Jupyter (with kernelspec and nbconvert) is not installed; run: ${aptGet === undefined ? command : `sudo ${command}`}, then this again`);
  }
  say(`installing Debian's Jupyter: ${JUPYTER_DEBS.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run(aptGet, ['install', '-y', '-qq', ...JUPYTER_DEBS], 20 * 60_000, env);
  let r = await install();
  if (!r.ok) {
    // Package lists that are missing or stale: refreshed only when the install needs them.
    await run(aptGet, ['update', '-qq'], 10 * 60_000, env);
    r = await install();
  }
  const jupyter = r.ok ? await findJupyter() : undefined;
  if (jupyter === undefined) throw new StoreError('E_TOOL_MISSING', `Jupyter could not be installed (${r.ok ? 'installed, but no usable jupyter command' : lastLine(r)}); run: ${command}`);
  return { jupyter, installedDebs: [...JUPYTER_DEBS] };
}

/**
 * Registers `spec` (with the files in `extraFiles`) as kernel `name` through Jupyter, and returns
 * the folder Jupyter put it in.
 */
async function registerKernel(jupyter: string, name: string, spec: KernelSpec, extraFiles: readonly string[], where: { user: boolean; prefix: string | undefined }): Promise<string> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-kernel-'));
  try {
    const source = path.join(temp, name);
    fs.mkdirSync(source);
    fs.writeFileSync(path.join(source, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
    for (const f of extraFiles) fs.copyFileSync(f, path.join(source, path.basename(f)));
    const args = ['kernelspec', 'install', '--replace', '--name', name, ...(where.user ? ['--user'] : []), ...(where.prefix === undefined ? [] : ['--prefix', where.prefix]), source];
    const r = await run(jupyter, args, 120_000);
    if (!r.ok) throw new StoreError('E_FILE', `jupyter kernelspec install of kernel ${name} failed: ${lastLine(r)}`);
    // "[InstallKernelSpec] Installed kernelspec NAME in DIR"
    const installed = /Installed kernelspec \S+ in (.+)$/m.exec(`${r.stderr}\n${r.stdout}`)?.[1]?.trim();
    if (installed !== undefined && fs.existsSync(path.join(installed, 'kernel.json'))) return installed;
    const list = await run(jupyter, ['kernelspec', 'list', '--json'], 60_000);
    const dir = list.ok ? (JSON.parse(list.stdout) as { kernelspecs?: Record<string, { resource_dir?: string }> }).kernelspecs?.[name]?.resource_dir : undefined;
    if (dir === undefined) throw new StoreError('E_FILE', `jupyter kernelspec install reported no folder for kernel ${name}: ${lastLine(r)}`);
    return dir;
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/** What a Python has: torch importable, the kernel's packages, and ipykernel's logos. */
interface PythonFacts {
  readonly torch: string | null;
  readonly missing: string[];
  readonly logos: string[];
}

const PYTHON_FACTS = `
import importlib.util, json, os
facts = {"torch": None, "missing": [], "logos": []}
try:
    import torch
    facts["torch"] = torch.__version__
except Exception as e:
    facts["torch_error"] = f"{type(e).__name__}: {e}"
for name in ${JSON.stringify(PYTHON_KERNEL_PACKAGES)}:
    if importlib.util.find_spec(name) is None:
        facts["missing"].append(name)
spec = importlib.util.find_spec("ipykernel")
if spec is not None and spec.submodule_search_locations:
    res = os.path.join(list(spec.submodule_search_locations)[0], "resources")
    facts["logos"] = [os.path.join(res, f) for f in sorted(os.listdir(res)) if f.startswith("logo-")] if os.path.isdir(res) else []
print(json.dumps(facts))
`;

async function pythonFacts(python: string): Promise<PythonFacts | string> {
  const r = await run(python, ['-c', PYTHON_FACTS], 120_000);
  if (!r.ok) return `${python} does not run: ${lastLine(r)}`;
  try {
    const facts = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as PythonFacts & { torch_error?: string };
    if (facts.torch === null) return `${python} cannot import torch (${facts.torch_error ?? 'no module'}); give a Python with PyTorch with --python, or run scripts/setup.sh`;
    return facts;
  } catch {
    return `${python} printed no answer to what it has installed: ${lastLine(r)}`;
  }
}

/**
 * Makes `python` ready for the Python kernel; returns the spec's extra files and what pip
 * installed, or why it cannot be used.
 */
async function preparePython(python: string, say: (line: string) => void): Promise<{ logos: string[]; installed: string[] } | string> {
  if (!fs.existsSync(python)) return `${python} does not exist${python === defaultPython() ? ' (scripts/setup.sh makes it); give one with --python' : ''}`;
  let facts = await pythonFacts(python);
  if (typeof facts === 'string') return facts;
  const missing = facts.missing;
  if (missing.length === 0) return { logos: facts.logos, installed: [] };
  const command = `${python} -m pip install ${missing.join(' ')}`;
  say(`installing ${missing.join(', ')} into ${python} with pip (for the Python kernel)`);
  // One retry and a minute's timeout: a machine that reaches only a local package source would
  // otherwise wait minutes on the public index for every dependency.
  const r = await run(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--retries', '1', '--timeout', '60', ...missing], 30 * 60_000);
  if (!r.ok) return `pip could not install ${missing.join(', ')} (${lastLine(r)}); run: ${command}`;
  facts = await pythonFacts(python);
  if (typeof facts === 'string') return facts;
  if (facts.missing.length > 0) return `${facts.missing.join(', ')} still cannot be imported after pip installed them; run: ${command}`;
  return { logos: facts.logos, installed: missing };
}

/** The package's own Python: `.venv/bin/python` in its folder. */
export function defaultPython(): string {
  return path.join(PACKAGE_ROOT, '.venv', 'bin', 'python');
}

/** The TypeScript kernel's spec: this Node running kernel.js on Jupyter's connection file. */
export function typescriptKernelSpec(packageRoot = PACKAGE_ROOT): KernelSpec {
  return {
    argv: [process.execPath, path.join(packageRoot, 'dist', 'src', 'notebook', 'kernel.js'), '{connection_file}'],
    display_name: 'TypeScript (dsi-ts)',
    language: 'typescript',
  };
}

/**
 * The Python kernel's spec. `DSI_TS_ROOT` tells a notebook where the package is (its
 * `scripts/python/dsi_gan.py` rebuilds GAN generators in PyTorch).
 */
export function pythonKernelSpec(python: string, packageRoot = PACKAGE_ROOT): KernelSpec {
  return {
    argv: [python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    display_name: 'Python (dsi-ts: pandas, PyTorch)',
    language: 'python',
    env: { DSI_TS_ROOT: packageRoot },
    metadata: { debugger: false },
  };
}

const KERNEL_NAME = /^[A-Za-z0-9._-]+$/;

/** Registers the TypeScript kernel and, unless told not to, the Python kernel (see the file's header). */
export async function installKernels(options: InstallKernelsOptions = {}): Promise<InstalledKernels> {
  const name = options.name ?? TYPESCRIPT_KERNEL;
  if (typeof name !== 'string' || !KERNEL_NAME.test(name)) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('name')} must be a kernel name of letters, digits, '.', '_' and '-', got ${JSON.stringify(name)}`);
  }
  if (options.python !== false && name.toLowerCase() === PYTHON_KERNEL) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('name')} ${PYTHON_KERNEL} is the Python kernel's; choose another name`);
  }
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || options.prefix === '')) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('prefix')} must name a folder, got ${JSON.stringify(options.prefix)}`);
  }
  if (options.user === true && options.prefix !== undefined) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `give ${o('user')} or ${o('prefix')}, not both`);
  }
  if (options.python !== undefined && options.python !== false && (typeof options.python !== 'string' || options.python === '')) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('python')} must name a Python executable, got ${JSON.stringify(options.python)}`);
  }
  const say = options.onMessage ?? (() => {});
  const typescript = typescriptKernelSpec();
  const kernelJs = typescript.argv[1] as string;
  if (!fs.existsSync(kernelJs)) throw new StoreError('E_FILE', `${kernelJs} is missing: build the package first (npm run build)`);

  const { jupyter, installedDebs } = await ensureJupyter(say);
  // Only root can write the system's kernel folder: anyone else registers for themselves.
  const where = { user: options.user === true || (options.prefix === undefined && !isRoot()), prefix: options.prefix === undefined ? undefined : path.resolve(options.prefix) };
  const logo = (f: string) => /^logo-\d+x\d+\.(png|svg)$/.test(path.basename(f));
  const kernelDir = await registerKernel(jupyter, name, typescript, [], where);
  const result = { kernel: name, kernelDir, jupyter, installedDebs, installedPythonPackages: [] as string[] };
  if (options.python === false) return result;

  const python = path.resolve(options.python ?? defaultPython());
  const ready = await preparePython(python, say);
  if (typeof ready === 'string') return { ...result, pythonSkipped: ready };
  const pythonKernelDir = await registerKernel(jupyter, PYTHON_KERNEL, pythonKernelSpec(python), ready.logos.filter(logo), where);
  return { ...result, pythonKernel: PYTHON_KERNEL, pythonKernelDir, python, installedPythonPackages: ready.installed };
}
