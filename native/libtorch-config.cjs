// Prints one part of the libtorch build configuration for binding.gyp, from libtorch.json.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, 'libtorch.json');
if (!fs.existsSync(file)) {
  console.error('native/libtorch.json is missing: run `bash scripts/setup.sh` (it locates libtorch)');
  process.exit(1);
}
const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
const quote = (s) => (/\s/.test(s) ? JSON.stringify(s) : s);

// The NCCL process group (distributed.cc under DSI_WITH_NCCL) needs nccl.h and CUDA's runtime
// headers, which a CUDA libtorch download has under /usr/local/cuda and PyTorch's CUDA wheel in
// its nvidia-* packages beside torch/. Without them it is left out and 'nccl' refuses clearly.
function ncclIncludeDirs() {
  if (!cfg.cuda) return undefined;
  const site = path.dirname(cfg.dir);
  const candidates = [
    ...cfg.includeDirs,
    path.join(site, 'nvidia/nccl/include'),
    path.join(site, 'nvidia/cuda_runtime/include'),
    path.join(site, 'nvidia/cu13/include'),
    '/usr/local/cuda/include',
    '/usr/include',
  ];
  const find = (header) => candidates.find((d) => fs.existsSync(path.join(d, header)));
  const nccl = find('nccl.h');
  const cudaRuntime = find('cuda_runtime_api.h');
  if (nccl === undefined || cudaRuntime === undefined) return undefined;
  return [...new Set([nccl, cudaRuntime])].filter((d) => !cfg.includeDirs.includes(d));
}
const nccl = ncclIncludeDirs();
const parts = {
  include: [...cfg.includeDirs, ...(nccl ?? [])].map(quote),
  // c10d's headers declare the Gloo process group under USE_C10D_GLOO (libtorch on Linux always
  // has it); the NCCL one only exists in a CUDA build, with NCCL's and CUDA's headers found.
  defines: [
    `_GLIBCXX_USE_CXX11_ABI=${cfg.cxx11Abi ? 1 : 0}`,
    'USE_C10D_GLOO',
    ...(nccl !== undefined ? ['USE_C10D_NCCL', 'DSI_WITH_NCCL=1'] : []),
  ],
  std: [cfg.cxxStandard],
  ldflags: [`-L${cfg.libDir}`, `-Wl,-rpath,${cfg.libDir}`],
  // libtorch_cuda must stay linked even though no symbol of it is used directly: --as-needed
  // would drop it and CUDA would then look unavailable.
  libs: cfg.cuda
    ? ['-ltorch', '-ltorch_cpu', '-lc10', '-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed']
    : ['-ltorch', '-ltorch_cpu', '-lc10'],
};
const what = process.argv[2];
if (!(what in parts)) {
  console.error(`libtorch-config: unknown part '${what}'`);
  process.exit(1);
}
console.log(parts[what].join(' '));
