// The layers of DESIGN.md §1, as rules that scripts/check-layers.sh checks on every test run.
//
// Data flows one way; each layer imports only the layers below it (bottom first):
//
//   ground     src/*.ts except index.ts: errors, atomic-write, contained-path, json, progress,
//              number-spelling, file-columns. Imports no folder of src/.
//   torch/     PyTorch's API over native/ (libtorch). Imports only the ground.
//   store/     the DSI core: the Store facade and the interfaces (Backend, Reader, Writer, cells)
//              that plugins implement. Knows no implementation.
//   plots/     Vega-Lite specs rendered to SVG and PNG: on the ground, beside torch/ and store/;
//              writers/ and ml/ draw through it.
//   images/    decoding, resampling and loading of images, including those a store table lists
//              in its FILE columns: above store/, below everything that reads images.
//   backends/ readers/ writers/   plugins: each implements an interface store/ declares; they
//              do not import each other.
//   files/     the file index and move (Python DSI's Sync): uses store/'s public API only.
//   datasets/  known data sets (MNIST, Fashion-MNIST) fetched and added to a store.
//   ml/        models, training, predict / evaluate / explain / review, run registry; uses
//              store/ (never a backend) and torch/.
//   bench/     src/bench/: measurements of ml/ and torch/ (PyTorch references, medians) that
//              `dsi bench` and the scripts in bench/ run.
//   front ends src/index.ts (the library's entry point: it assembles the store with its default
//              plugins), src/cli/, src/server/ (the dashboard) and later src/notebook/. Nothing in the library
//              imports them; cli/, server/ and notebook/ never import a backend (only the entry
//              point wires backends in).
//
// Rules count every import, type-only ones included (a type is knowledge of a layer too), except
// the cycle rule: a cycle made only of type-only imports vanishes at run time.
// Docs: docs/architecture.md.

/** Path patterns of the layers (relative to the repository root). */
const GROUND = '^src/[^/]+\\.ts$';
const ENTRY = '^src/index\\.ts$';
const TORCH = '^src/torch/';
const STORE = '^src/store/';
const IMAGES = '^src/images/';
const BACKENDS = '^src/backends/';
const READERS = '^src/readers/';
const WRITERS = '^src/writers/';
const DATASETS = '^src/datasets/';
const PLOTS = '^src/plots/';
const FILES = '^src/files/';
const ML = '^src/ml/';
const BENCH = '^src/bench/';
const FRONT_ENDS = '^src/(cli|server|notebook)/';

/** Everything above a layer, as one pattern. */
const any = (...patterns) => patterns.join('|');

/** One rule: files matching `from` must not import files matching `to`. */
const layer = (name, comment, from, to, fromNot) => ({
  name,
  comment,
  severity: 'error',
  from: fromNot ? { path: from, pathNot: fromNot } : { path: from },
  to: { path: to },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'Files import each other in a cycle (type-only imports aside: they vanish at run time).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'A relative import that resolves to no file: the layer rules could not judge it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true, path: '^\\.' },
    },
    layer(
      'ground-imports-no-layer',
      'The ground modules (src/*.ts) sit under every layer: they import no folder of src/.',
      GROUND,
      '^src/[^/]+/',
      ENTRY,
    ),
    layer(
      'torch-is-pytorch-only',
      'torch/ is PyTorch\'s API: it knows nothing of the store, images, plugins, ml/ or front ends.',
      TORCH,
      any(STORE, PLOTS, FILES, IMAGES, BACKENDS, READERS, WRITERS, DATASETS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'plots-on-the-ground',
      'plots/ renders Vega-Lite: it imports only the ground, so writers and ml/ can both draw through it.',
      PLOTS,
      any(TORCH, STORE, FILES, IMAGES, BACKENDS, READERS, WRITERS, DATASETS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'files-use-the-store',
      'files/ (the file index and move) uses store/ and the ground only: never a plugin, images/, ml/ or a front end.',
      FILES,
      any(TORCH, PLOTS, IMAGES, BACKENDS, READERS, WRITERS, DATASETS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'store-knows-no-implementation',
      'store/ is the core: it declares the interfaces and never imports a plugin, images/, torch/ or anything above.',
      STORE,
      any(TORCH, PLOTS, FILES, IMAGES, BACKENDS, READERS, WRITERS, DATASETS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'images-below-plugins',
      'images/ may use store/ and the ground, nothing above them (and not torch/).',
      IMAGES,
      any(TORCH, FILES, BACKENDS, READERS, WRITERS, DATASETS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'backend-is-a-plugin',
      'A backend implements store/\'s Backend interface: it imports no other plugin and nothing above.',
      BACKENDS,
      any(TORCH, PLOTS, FILES, READERS, WRITERS, DATASETS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'reader-is-a-plugin',
      'A reader implements store/\'s Reader interface: it imports no other plugin and nothing above.',
      READERS,
      any(TORCH, FILES, BACKENDS, WRITERS, DATASETS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'writer-is-a-plugin',
      'A writer implements store/\'s Writer interface: it imports no other plugin and nothing above.',
      WRITERS,
      any(TORCH, FILES, BACKENDS, READERS, DATASETS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'datasets-below-ml',
      'datasets/ adds known data sets to a store: never through a backend, never ml/ or a front end.',
      DATASETS,
      any(TORCH, FILES, BACKENDS, ML, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'ml-below-front-ends',
      'ml/ reaches the database only through store/ (never a backend) and never imports a front end.',
      ML,
      any(BACKENDS, BENCH, FRONT_ENDS, ENTRY),
    ),
    layer(
      'bench-below-front-ends',
      'src/bench/ measures ml/ and torch/: it never reaches a backend nor imports a front end.',
      BENCH,
      any(BACKENDS, FRONT_ENDS, ENTRY),
    ),
    layer(
      'front-end-never-reaches-a-backend',
      'Front ends call the library; only the entry point (src/index.ts) wires backends in.',
      FRONT_ENDS,
      BACKENDS,
    ),
    {
      name: 'front-ends-are-separate',
      comment: 'A front end does not import another one (cli/, server/, notebook/); `dsi serve` starts the dashboard through src/server/index.ts alone.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/(server|notebook)/', pathNot: '^src/(server|notebook)/index\\.ts$' },
    },
    layer(
      'front-ends-do-not-import-the-cli',
      'The dashboard and the notebook support never import the command line.',
      '^src/(server|notebook)/',
      '^src/cli/',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
