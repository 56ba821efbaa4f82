// Autograd: gradients, grad mode (thread-local, so a Worker has its own) and leaf flags.
//
// `backward` and `autogradGrad` mark the pass they run (BackwardPassScope: a gradient reducer's
// hooks tell accumulated gradients from captured ones by it) and turn a reducer's failure inside
// the pass (ReducerError, e.g. a failed all-reduce) into a TorchError with its code.
#include "common.h"
#include "reducer.h"

#include <c10/core/GradMode.h>

#include <torch/csrc/autograd/autograd.h>

namespace dsi {

// backward(t, gradient?, retainGraph, createGraph)
static Napi::Value Backward(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  auto g = optT(info, 1);
  bool create = flag(info, 3);
  c10::optional<bool> retain;
  if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) retain = flag(info, 2);
  try {
    BackwardPassScope pass(/*capture=*/false);
    t.backward(g.value_or(at::Tensor()), retain, create);
  } catch (const ReducerError& e) {
    throwTorch(info.Env(), e.what(), e.code, e.detail);
  }
  return info.Env().Undefined();
}
static Napi::Value Grad(const Napi::CallbackInfo& info) {
  const at::Tensor& g = T(info, 0).grad();
  if (!g.defined()) return info.Env().Undefined();
  return wrap(info.Env(), g);
}
// setGrad(t, g | undefined): undefined clears the gradient (PyTorch's zero_grad(set_to_none=True)).
static Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  auto g = optT(info, 1);
  T(info, 0).mutable_grad() = g.value_or(at::Tensor());
  return info.Env().Undefined();
}
static Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), T(info, 0).requires_grad());
}
static Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  T(info, 0).requires_grad_(flag(info, 1, true));
  return info[0];
}
static Napi::Value IsLeaf(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), T(info, 0).is_leaf()); }
static Napi::Value RetainGrad(const Napi::CallbackInfo& info) {
  T(info, 0).retain_grad();
  return info[0];
}
static Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}
// setGradEnabled(on) → the previous setting
static Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(flag(info, 0, true));
  return Napi::Boolean::New(info.Env(), previous);
}
// autogradGrad(outputs, inputs, gradOutputs?, retainGraph, createGraph, allowUnused) → gradients
static Napi::Value AutogradGrad(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> outputs = tensorList(info, 0);
  std::vector<at::Tensor> inputs = tensorList(info, 1);
  std::vector<at::Tensor> gradOutputs;
  if (info[2].IsArray()) gradOutputs = tensorList(info, 2);
  c10::optional<bool> retain;
  if (!info[3].IsUndefined() && !info[3].IsNull()) retain = flag(info, 3);
  bool create = flag(info, 4);
  bool allowUnused = flag(info, 5);
  std::vector<at::Tensor> grads;
  try {
    BackwardPassScope pass(/*capture=*/true);
    grads = torch::autograd::grad(outputs, inputs, gradOutputs, retain, create, allowUnused);
  } catch (const ReducerError& e) {
    throwTorch(info.Env(), e.what(), e.code, e.detail);
  }
  Napi::Array arr = Napi::Array::New(info.Env(), grads.size());
  for (size_t k = 0; k < grads.size(); k++)
    arr.Set(static_cast<uint32_t>(k), grads[k].defined() ? wrap(info.Env(), grads[k]) : info.Env().Undefined());
  return arr;
}

void registerAutograd(Napi::Env env, Napi::Object exports) {
  def<Backward>(env, exports, "backward");
  def<Grad>(env, exports, "grad");
  def<SetGrad>(env, exports, "setGrad");
  def<RequiresGrad>(env, exports, "requiresGrad");
  def<SetRequiresGrad>(env, exports, "requiresGrad_");
  def<IsLeaf>(env, exports, "isLeaf");
  def<RetainGrad>(env, exports, "retainGrad");
  def<IsGradEnabled>(env, exports, "isGradEnabled");
  def<SetGradEnabled>(env, exports, "setGradEnabled");
  def<AutogradGrad>(env, exports, "autogradGrad");
}

}  // namespace dsi
