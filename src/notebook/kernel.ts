/**
 * The Jupyter kernel `dsi notebook install` registers: tslab's TypeScript kernel, started with
 * three changes, so that a notebook in any folder can `import … from 'dsi-ts'`:
 *
 * - **Types:** tslab type-checks each cell with its own TypeScript, which resolves packages from
 *   the notebook's folder. Paths under `<that folder>/node_modules/dsi-ts/` that do not exist are
 *   read from this package instead (tslab does the same for its own `tslab` module).
 * - **Code:** cells run as CommonJS; `require('dsi-ts…')` that finds no installed copy resolves
 *   through this package's own `exports` map (Node loads its ES modules through `require`).
 * - **Output:** `show()` sends rich MIME bundles through the display channel opened here, and an
 *   error thrown by a cell prints one line ({@link errorLine}) instead of a stack.
 *
 * Run as `node kernel.js CONNECTION_FILE` by Jupyter (the kernel spec's `argv`).
 */
import { createRequire } from 'node:module';
import Module from 'node:module';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { openDisplayChannel, type MimeBundle } from './display-channel.js';
import { errorLine } from './error-line.js';

/** The package's root folder (this file is dist/src/notebook/kernel.js). */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PACKAGE_NAME = 'dsi-ts';

const requireHere = createRequire(import.meta.url);

/** The parts of TypeScript's `sys` the module resolution of tslab's compiler reads. */
interface TsSys {
  fileExists(p: string): boolean;
  directoryExists(p: string): boolean;
  readFile(p: string, encoding?: string): string | undefined;
  realpath?(p: string): string;
  getDirectories(p: string): string[];
}

/** tslab's executor and Jupyter server, as far as this file uses them. */
interface TslabInternals {
  createConverter(options: { isJS: boolean; isBrowser: boolean }): { close(): void };
  createExecutor(root: string, convs: ConverterSet, console: { log(...a: unknown[]): void; error(...a: unknown[]): void }): { interrupt(): void };
  ZmqServer: new (handler: unknown, configPath: string) => { init(): void };
  JupyterHandlerImpl: new (executor: unknown, jsKernel: boolean) => unknown;
  jupyter: { lastWriteDisplayData: ((data: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void) | null };
}

interface ConverterSet {
  readonly node: { close(): void };
  readonly browser: { close(): void };
  close(): void;
}

function loadTslab(): TslabInternals {
  const converter = requireHere('tslab/dist/converter.js');
  const executor = requireHere('tslab/dist/executor.js');
  const jupyter = requireHere('tslab/dist/jupyter.js');
  return {
    createConverter: converter.createConverter,
    createExecutor: executor.createExecutor,
    ZmqServer: jupyter.ZmqServer,
    JupyterHandlerImpl: jupyter.JupyterHandlerImpl,
    jupyter,
  };
}

/**
 * Make `<cwd>/node_modules/dsi-ts/…` readable by tslab's TypeScript where no such folder exists,
 * by answering from the package root. Only missing paths are mapped, so a copy installed in the
 * notebook's folder still wins.
 */
export function mapPackageForTypeScript(sys: TsSys, cwd: string, packageRoot = PACKAGE_ROOT): void {
  const virtualRoot = path.join(cwd, 'node_modules', PACKAGE_NAME);
  const installed = sys.directoryExists(virtualRoot);
  if (installed) return;
  const forward = (p: string): string => {
    const rel = path.relative(virtualRoot, p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)) ? path.join(packageRoot, rel) : p;
  };
  const { fileExists, directoryExists, readFile, realpath, getDirectories } = sys;
  sys.fileExists = (p) => fileExists.call(sys, forward(p));
  sys.directoryExists = (p) => directoryExists.call(sys, forward(p));
  sys.readFile = (p, encoding) => readFile.call(sys, forward(p), encoding);
  sys.getDirectories = (p) => getDirectories.call(sys, forward(p));
  // The real location, so the package's own imports resolve from its own node_modules.
  if (realpath) sys.realpath = (p) => realpath.call(sys, forward(p));
}

/** Let `require('dsi-ts/…')` from cell code resolve to this package when no copy is installed. */
function resolvePackageAtRuntime(packageRoot = PACKAGE_ROOT): void {
  const mod = Module as unknown as { _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string };
  const original = mod._resolveFilename;
  const self = createRequire(path.join(packageRoot, 'package.json'));
  mod._resolveFilename = function resolve(request: string, parent: unknown, ...rest: unknown[]): string {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (e) {
      if (request !== PACKAGE_NAME && !request.startsWith(`${PACKAGE_NAME}/`)) throw e;
      return self.resolve(request);
    }
  };
}

/** One line for an error object, tslab's own formatting for everything else it prints. */
function printError(...args: unknown[]): void {
  const [first] = args;
  const text = args.length === 1 && (first instanceof Error || (typeof first === 'object' && first !== null && 'message' in first)) ? errorLine(first) : util.format(...args);
  process.stderr.write(`${text}\n`);
}

/** tslab's request handler, as far as {@link honourStopOnError} uses it. */
interface ExecuteHandler {
  handleExecute(request: { stop_on_error?: boolean }, ...rest: unknown[]): Promise<{ status: string }>;
  execQueue: { reset(delay?: number): void };
}

/**
 * After a failing cell tslab cancels every request that arrives in the next 200 ms, as Jupyter
 * does for cells queued behind a failure, but it ignores the request's `stop_on_error`: the cells
 * `jupyter nbconvert --execute --allow-errors` sends after a failing one (with `stop_on_error`
 * false) were aborted unrun. Such a request's failure now leaves the queue open at once.
 */
function honourStopOnError(handler: unknown): unknown {
  const h = handler as ExecuteHandler;
  const handleExecute = h.handleExecute.bind(h);
  h.handleExecute = async (request, ...rest) => {
    const reply = await handleExecute(request, ...rest);
    if (reply.status === 'error' && request.stop_on_error === false) h.execQueue.reset();
    return reply;
  };
  return h;
}

/** Start the kernel on the connection file Jupyter gives. */
export function startKernel(connectionFile: string): void {
  const tslab = loadTslab();
  const ts = requireHere('@tslab/typescript-for-tslab') as { sys: TsSys };
  mapPackageForTypeScript(ts.sys, process.cwd());
  resolvePackageAtRuntime();
  openDisplayChannel((bundle) => {
    const write = tslab.jupyter.lastWriteDisplayData;
    if (!write) throw new Error('show: no cell is running');
    write({ data: bundle, metadata: {}, transient: {} }, false);
  });
  let node: { close(): void } | undefined;
  let browser: { close(): void } | undefined;
  const convs: ConverterSet = {
    get node() {
      return (node ??= tslab.createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (browser ??= tslab.createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
  void convs.node; // compile the first cell's TypeScript setup while Jupyter connects
  const executor = tslab.createExecutor(process.cwd(), convs, { log: console.log, error: printError });
  const server = new tslab.ZmqServer(honourStopOnError(new tslab.JupyterHandlerImpl(executor, false)), connectionFile);
  process.on('SIGINT', () => executor.interrupt());
  // What a cell started and did not await still fails in one line, and never stops the kernel.
  process.on('uncaughtException', (e) => printError(e));
  process.on('unhandledRejection', (e) => printError(e));
  server.init();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const connectionFile = process.argv[2];
  if (!connectionFile) {
    process.stderr.write('usage: node kernel.js CONNECTION_FILE (Jupyter starts it; see dsi notebook install)\n');
    process.exit(2);
  }
  startKernel(connectionFile);
}
