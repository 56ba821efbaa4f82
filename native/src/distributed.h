// What distributed.cc shares with reducer.cc: the process group handle and its messages.
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

}  // namespace dsi
