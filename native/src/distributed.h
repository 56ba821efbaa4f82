// What distributed.cc shares with the other files that use its process groups
// (distributed-autograd.cc, reducer.cc): the group handle's contents, its messages, the error
// wrapper that turns any failure into E_DISTRIBUTED, and the wait on a collective's Work.
#pragma once

#include "common.h"

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include <chrono>
#include <exception>
#include <string>

namespace dsi {

// The object behind a JavaScript process group handle (Napi::External).
struct GroupBox {
  c10::intrusive_ptr<c10d::Backend> backend;  // reset by groupDestroy
  std::string name;                           // "gloo" or "nccl"
  int rank = 0;
  int size = 0;
  std::chrono::milliseconds timeout{0};
};

// The group behind argument i; throws E_DISTRIBUTED when it was destroyed.
GroupBox& groupOf(const Napi::CallbackInfo& info, size_t i);
// "allReduce on rank 1 of 2 (gloo, timeout 3000 ms)": how every distributed error begins.
std::string where(const GroupBox& g, const std::string& op);
// Waits for `work` up to the group's timeout; throws when it fails or times out.
void waitFor(const GroupBox& g, const c10::intrusive_ptr<c10d::Work>& work);
// An exception's text without libtorch's C++ backtrace.
std::string describe(const std::exception& e);

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
