/**
 * The Jupyter kernel `dsi notebook install` registers: tslab's TypeScript kernel, started with
 * three changes, so that a notebook in any folder can `import … from 'dsi-ts'`:
 *
 * - **Types:** tslab type-checks each cell with its own TypeScript, which resolves packages from
 *   the notebook's folder. Paths under `<that folder>/node_modules/dsi-ts/` that do not exist are
 *   read from this package instead (tslab does the same for its own `tslab` module).
 * - **Code:** cells run as CommonJS; `require('dsi-ts…')` that finds no installed copy resolves
 *   through this package's own `exports` map (Node loads its ES modules through `require`).
 * - **Shorthand properties:** tslab rewrites a name declared by an earlier cell to `exports.name`,
 *   but not inside `{ name }`, which then fails with "name is not defined"; cells are run with
 *   each `{ name }` spelled `{ name: name }` (the same object) before tslab converts them.
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

/** The parts of tslab's TypeScript this file uses to find shorthand properties. */
interface TsParser {
  createSourceFile(name: string, text: string, target: number, setParents: boolean): TsNode;
  ScriptTarget: { Latest: number };
  isShorthandPropertyAssignment(node: TsNode): boolean;
  forEachChild(node: TsNode, visit: (child: TsNode) => void): void;
}
interface TsNode {
  readonly pos: number;
  readonly end: number;
  readonly name?: TsNode & { getStart(): number; readonly text: string };
  readonly objectAssignmentInitializer?: TsNode;
}

/**
 * `source` with every shorthand property `{ name }` of an object literal written `{ name: name }`
 * (a destructuring default, `{ name = 1 } = …`, is left alone). The two mean the same object.
 */
export function expandShorthandProperties(ts: TsParser, source: string): string {
  const file = ts.createSourceFile('cell.ts', source, ts.ScriptTarget.Latest, true);
  const at: { start: number; end: number; name: string }[] = [];
  const visit = (node: TsNode): void => {
    if (ts.isShorthandPropertyAssignment(node) && node.name && !node.objectAssignmentInitializer) at.push({ start: node.name.getStart(), end: node.name.end, name: node.name.text });
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = source;
  for (const p of at.sort((a, b) => b.start - a.start)) out = `${out.slice(0, p.start)}${p.name}: ${out.slice(p.start, p.end)}${out.slice(p.end)}`;
  return out;
}

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
  createConverter(options: { isJS: boolean; isBrowser: boolean }): Converter;
  createExecutor(root: string, convs: ConverterSet, console: { log(...a: unknown[]): void; error(...a: unknown[]): void }): { interrupt(): void };
  ZmqServer: new (handler: unknown, configPath: string) => { init(): void };
  JupyterHandlerImpl: new (executor: unknown, jsKernel: boolean) => unknown;
  jupyter: { lastWriteDisplayData: ((data: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void) | null };
}

/** tslab's converter of a cell's TypeScript. */
interface Converter {
  convert(previousDeclarations: string, source: string): unknown;
  close(): void;
}

interface ConverterSet {
  readonly node: Converter;
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

/** What the last failing cell printed, for the `evalue` of its execute reply. */
let lastError = { name: 'Error', line: 'the cell failed' };

/** One line for an error object, tslab's own formatting for everything else it prints. */
function printError(...args: unknown[]): void {
  const [first] = args;
  const isError = args.length === 1 && (first instanceof Error || (typeof first === 'object' && first !== null && 'message' in first));
  const text = isError ? errorLine(first) : util.format(...args);
  lastError = { name: isError && first instanceof Error ? first.name : 'Error', line: text };
  process.stderr.write(`${text}\n`);
}

/** The execute request's fields this kernel reads. */
interface ExecuteRequest {
  readonly stop_on_error?: boolean;
}

/**
 * tslab's message handler, with two changes to execute requests: a failed cell's reply names the
 * error (`ename`, `evalue`: Jupyter front ends and nbconvert show them), and a request with
 * `stop_on_error: false` (a cell tagged `raises-exception`) does not cancel the cells queued after
 * it, as it does in IPython.
 */
function handlerClass(base: TslabInternals['JupyterHandlerImpl']) {
  return class extends (base as new (executor: unknown, jsKernel: boolean) => { execQueue: { reset(ms?: number): void }; handleExecute(req: ExecuteRequest, ...rest: unknown[]): Promise<Record<string, unknown>> }) {
    override async handleExecute(req: ExecuteRequest, ...rest: unknown[]): Promise<Record<string, unknown>> {
      // tslab chains cells on one promise: after a failure, every cell queued behind it is
      // cancelled until reset(200) clears the chain 200 ms later. Cleared at once, nothing is.
      const queue = this.execQueue;
      const reset = queue.reset;
      if (req.stop_on_error === false) queue.reset = () => reset.call(queue);
      try {
        const reply = await super.handleExecute(req, ...rest);
        return reply['status'] === 'error' ? { ...reply, ename: lastError.name, evalue: lastError.line, traceback: [lastError.line] } : reply;
      } finally {
        queue.reset = reset;
      }
    }
  };
}

/** Start the kernel on the connection file Jupyter gives. */
export function startKernel(connectionFile: string): void {
  const tslab = loadTslab();
  const ts = requireHere('@tslab/typescript-for-tslab') as { sys: TsSys } & TsParser;
  mapPackageForTypeScript(ts.sys, process.cwd());
  resolvePackageAtRuntime();
  openDisplayChannel((bundle, metadata = {}) => {
    const write = tslab.jupyter.lastWriteDisplayData;
    if (!write) throw new Error('show: no cell is running');
    write({ data: bundle, metadata, transient: {} }, false);
  });
  let node: Converter | undefined;
  let browser: { close(): void } | undefined;
  const convs: ConverterSet = {
    get node() {
      if (!node) {
        node = tslab.createConverter({ isJS: false, isBrowser: false });
        const convert = node.convert.bind(node);
        node.convert = (previous, source) => convert(previous, expandShorthandProperties(ts, source));
      }
      return node;
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
  const Handler = handlerClass(tslab.JupyterHandlerImpl);
  const server = new tslab.ZmqServer(new Handler(executor, false), connectionFile);
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
