/**
 * `dsi notebook install [--json] [--name N] [--user | --prefix P] [--python PY | --no-python]`:
 * registers the Jupyter kernels (TypeScript with `dsi-ts` importable, and Python with pandas and
 * PyTorch; src/notebook/kernel-spec.ts), installing Debian's Jupyter first when missing and
 * running as root. Prints where each kernel went and how to open the example notebooks.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { InstalledKernels } from '../../notebook/index.js';
import { printJson } from '../output.js';

interface InstallFlags {
  json?: boolean;
  name?: string;
  user?: boolean;
  prefix?: string;
  /** A path, or false for --no-python. */
  python?: string | false;
}

/** The example notebooks' folder, as the user would type it from here. */
function examplesFolder(): string {
  const folder = fileURLToPath(new URL('../../../../examples/notebooks/', import.meta.url));
  const rel = path.relative(process.cwd(), folder);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? folder : `${rel}/`;
}

function printInstalled(r: InstalledKernels): void {
  const out: string[] = [];
  if (r.installedDebs.length > 0) out.push(`installed Debian packages: ${r.installedDebs.join(' ')}`);
  out.push(`registered the TypeScript kernel ${r.kernel} in ${r.kernelDir}`);
  if (r.pythonKernel !== undefined) {
    const pip = r.installedPythonPackages.length > 0 ? `, pip installed ${r.installedPythonPackages.join(' ')}` : '';
    out.push(`registered the Python kernel ${r.pythonKernel} (${r.python}${pip}) in ${r.pythonKernelDir}`);
  } else if (r.pythonSkipped !== undefined) {
    out.push(`no Python kernel registered: ${r.pythonSkipped}`);
  }
  const examples = examplesFolder();
  out.push(`next: ${r.jupyter} notebook ${examples}`, `  or, headless: ${r.jupyter} nbconvert --to notebook --execute ${path.join(examples, 'NOTEBOOK.ipynb')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

export function registerNotebook(program: Command): void {
  const notebook = program.command('notebook').description('Jupyter notebooks: register kernels that use this package from TypeScript and from Python');
  notebook
    .command('install')
    .description('register the Jupyter kernels: TypeScript with dsi-ts importable from any folder, and Python (pandas, PyTorch) on the project\'s Python; installs Debian\'s Jupyter when missing and running as root')
    .option('--json', 'print {kernel, kernelDir, pythonKernel, pythonKernelDir, python, pythonSkipped, jupyter, installedDebs, installedPythonPackages} as JSON')
    .option('--name <name>', 'the TypeScript kernel\'s name', 'dsi-ts')
    .option('--user', 'register in your own Jupyter folder (the default for anyone but root)')
    .option('--prefix <folder>', 'register under FOLDER/share/jupyter (a virtual environment\'s Jupyter)')
    .option('--python <python>', 'the Python for the dsi-python kernel (default: the package\'s .venv/bin/python); it must import torch')
    .option('--no-python', 'register no Python kernel')
    .action(async (opts: InstallFlags) => {
      const { installKernels } = await import('../../notebook/index.js'); // loads the ML library: only when installing
      const result = await installKernels({
        name: opts.name,
        user: opts.user === true,
        ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }),
        ...(opts.python === undefined ? {} : { python: opts.python }),
        onMessage: (line) => process.stderr.write(`${line}\n`),
      });
      if (opts.json) printJson(result);
      else printInstalled(result);
    });
  for (const c of notebook.commands) c.exitOverride();
}
