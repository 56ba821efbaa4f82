# The libtorch addon. Paths to libtorch come from native/libtorch.json, written by
# scripts/libtorch.sh (LIBTORCH, the project's Python environment, or Debian's libtorch-dev).
# NAPI_EXPERIMENTAL: Node then runs the tensor handles' basic finalisers inside the garbage
# collection instead of queueing them for the event loop (see TensorHandle in src/common.h).
# third_party/gloo: Gloo's headers, which c10d's ProcessGroupGloo.hpp includes and PyTorch's
# wheels do not ship (see its README).
{
  "targets": [
    {
      "target_name": "dsi_torch",
      "sources": [
        "src/addon.cc",
        "src/create.cc",
        "src/shape.cc",
        "src/math.cc",
        "src/reduce.cc",
        "src/nn.cc",
        "src/linalg.cc",
        "src/autograd.cc",
        "src/optim.cc",
        "src/runtime.cc",
        "src/amp.cc",
        "src/distributed.cc",
        "src/distributed-autograd.cc",
        "src/reducer.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "third_party/gloo",
        "<!@(node libtorch-config.cjs include)"
      ],
      "defines": [
        "NAPI_EXPERIMENTAL",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "<!@(node libtorch-config.cjs defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=<!(node libtorch-config.cjs std)", "-fexceptions", "-frtti", "-O2", "-fvisibility=hidden", "-Wno-unused-parameter"],
      "ldflags": ["<!@(node libtorch-config.cjs ldflags)"],
      "libraries": ["<!@(node libtorch-config.cjs libs)"]
    }
  ]
}
