// The gradient reducer's links to the rest of the addon: the backward pass marker that the
// binding's backward and grad entry points set, and the error a reducer raises inside a pass.
#pragma once

#include "common.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace dsi {

// A failure raised inside a backward pass by a reducer's hook or final callback. libtorch's engine
// carries it out of `backward`/`grad` unchanged; the binding's entry points turn it into a
// TorchError with `code` (E_DISTRIBUTED for a failed collective).
struct ReducerError : std::runtime_error {
  ReducerError(const std::string& message, const char* code, std::string detail = "")
      : std::runtime_error(message), code(code), detail(std::move(detail)) {}
  const char* code;
  std::string detail;
};

// The backward pass the calling thread runs (on another thread, such as a CUDA device's engine
// thread: the pass started last in the process): a serial that tells one pass from the next, and
// whether it is `torch.grad` (gradients captured and returned) or `backward` (accumulated into
// `.grad`). Serial 0: no pass was started through the binding.
struct BackwardPass {
  uint64_t serial = 0;
  bool capture = false;
};
BackwardPass currentBackwardPass();

// Held by the binding's backward and grad entry points for the duration of the engine call.
class BackwardPassScope {
 public:
  explicit BackwardPassScope(bool capture);
  ~BackwardPassScope();
  BackwardPassScope(const BackwardPassScope&) = delete;
  BackwardPassScope& operator=(const BackwardPassScope&) = delete;

 private:
  BackwardPass previous_;
};

void registerReducer(Napi::Env env, Napi::Object exports);

}  // namespace dsi
