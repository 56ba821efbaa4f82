// What distributed.cc shares with the other files that use its process groups
// (distributed-autograd.cc): the group handle's contents, the error wrapper that turns any
// failure into E_DISTRIBUTED, and the wait on a collective's Work.
#pragma once

#include "common.h"

#include <torch/csrc/distributed/c10d/Backend.hpp>

#include <chrono>
#include <string>

namespace dsi {

// Behind a process group handle (Napi::External<GroupBox>); `backend` is reset by groupDestroy.
struct GroupBox {
  c10::intrusive_ptr<c10d::Backend> backend;
  std::string name;  // "gloo" or "nccl"
  int rank = 0;
  int size = 0;
  std::chrono::milliseconds timeout{0};
};

// The group behind argument i; a destroyed group throws E_DISTRIBUTED.
GroupBox& groupOf(const Napi::CallbackInfo& info, size_t i);

// "allReduce on rank 1 of 2 (gloo, timeout 3000 ms)"
std::string where(const GroupBox& g, const char* op);

// Waits for `work` up to the group's timeout; throws when it did not complete.
void waitFor(const GroupBox& g, const c10::intrusive_ptr<c10d::Work>& work);

inline std::string describe(const std::exception& e) {
  if (auto* ce = dynamic_cast<const c10::Error*>(&e)) return ce->what_without_backtrace();
  return e.what();
}

// Runs `f`; any C++ exception becomes E_DISTRIBUTED with `what` before libtorch's message.
template <class F>
auto distributed(Napi::Env env, const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string message = describe(e);
    // The first line is the cause; the rest (c10d's call chains) stays in `detail`.
    std::string first = message.substr(0, message.find('\n'));
    throwTorch(env, what + ": " + first, "E_DISTRIBUTED", e.what());
  }
}

}  // namespace dsi
