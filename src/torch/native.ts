/**
 * Loads the libtorch addon (native/build/Release/dsi_torch.node). Nothing else imports the addon:
 * the rest of the torch layer goes through `native` from here.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import type { NativeBinding } from './native-binding.js';
import type { Tensor } from './tensor.js';

export type { NativeBinding, NativeTensorBase, NativeTensorClass, NativeTensorHandle } from './native-binding.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Where setup builds the addon. `DSI_TORCH_ADDON` may name another build (a CUDA one, say). */
export const addonPath = process.env['DSI_TORCH_ADDON'] ?? path.join(projectRoot, 'native/build/Release/dsi_torch.node');

/** What setup recorded about the libtorch the addon was built against. */
export interface LibtorchConfig {
  dir: string;
  libDir: string;
  kind: 'LIBTORCH' | 'pip' | 'debian';
  cuda: boolean;
  cxx11Abi: boolean;
  cxxStandard: string;
}

export function libtorchConfig(): LibtorchConfig | undefined {
  const file = path.join(projectRoot, 'native/libtorch.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LibtorchConfig;
}

function load(): NativeBinding<Tensor> {
  if (!existsSync(addonPath)) {
    throw new Error(
      `the libtorch addon is not built (${addonPath} is missing): run \`bash scripts/setup.sh\`, ` +
        'which installs PyTorch into .venv for its libtorch (or set LIBTORCH=/path/to/libtorch) and compiles native/',
    );
  }
  const require = createRequire(import.meta.url);
  try {
    // Typed with the tensor class tensor.ts installs through `setClasses` when it loads, before
    // any tensor is made; test/torch-binding-types.test.ts checks the declarations against the C++.
    return require(addonPath) as NativeBinding<Tensor>;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(
      `the libtorch addon at ${addonPath} failed to load: ${message}\n` +
        'If libtorch moved or changed version, rebuild with `bash scripts/setup.sh`.',
    );
  }
}

export const native: NativeBinding<Tensor> = load();
