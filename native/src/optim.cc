// Optimiser steps, one native call per step for all parameters. The arithmetic is PyTorch's
// single-tensor implementation (torch/optim/adam.py and sgd.py, the CPU default), operation for
// operation, so trajectories match PyTorch's to the last bit.
#include "common.h"

#include <c10/core/GradMode.h>

namespace dsi {

struct NoGrad {
  bool previous = c10::GradMode::is_enabled();
  NoGrad() { c10::GradMode::set_enabled(false); }
  ~NoGrad() { c10::GradMode::set_enabled(previous); }
};

// adamStep(params, expAvg, expAvgSq, maxExpAvgSq | null, steps: Float64Array,
//          lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay)
// Parameters without a gradient are skipped and their step count is left alone.
static Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NoGrad guard;
  std::vector<at::Tensor> params = tensorList(info, 0);
  std::vector<at::Tensor> expAvg = tensorList(info, 1);
  std::vector<at::Tensor> expAvgSq = tensorList(info, 2);
  bool amsgrad = flag(info, 10);
  std::vector<at::Tensor> maxSq;
  if (amsgrad) maxSq = tensorList(info, 3);
  if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    argError(env, "steps must be a Float64Array");
  Napi::Float64Array steps = info[4].As<Napi::Float64Array>();
  double lr = num(info, 5), beta1 = num(info, 6), beta2 = num(info, 7), eps = num(info, 8), wd = num(info, 9);
  bool maximize = flag(info, 11), decoupled = flag(info, 12);
  size_t n = params.size();
  if (expAvg.size() != n || expAvgSq.size() != n || steps.ElementLength() != n || (amsgrad && maxSq.size() != n))
    argError(env, "adamStep: state lists differ in length from the parameter list");
  for (size_t i = 0; i < n; i++) {
    at::Tensor& param = params[i];
    const at::Tensor& g = param.grad();
    if (!g.defined()) continue;
    at::Tensor grad = maximize ? g.neg() : g;
    steps[i] += 1;
    double step = steps[i];
    if (wd != 0) {
      if (decoupled) param.mul_(1 - lr * wd);
      else grad = grad.add(param, wd);
    }
    expAvg[i].lerp_(grad, 1 - beta1);
    expAvgSq[i].mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    double biasCorrection1 = 1 - std::pow(beta1, step);
    double biasCorrection2 = 1 - std::pow(beta2, step);
    double stepSize = lr / biasCorrection1;
    double biasCorrection2Sqrt = std::pow(biasCorrection2, 0.5);
    at::Tensor denom;
    if (amsgrad) {
      at::maximum_out(maxSq[i], maxSq[i], expAvgSq[i]);
      denom = (maxSq[i].sqrt() / biasCorrection2Sqrt).add_(eps);
    } else {
      denom = (expAvgSq[i].sqrt() / biasCorrection2Sqrt).add_(eps);
    }
    param.addcdiv_(expAvg[i], denom, -stepSize);
  }
  return env.Undefined();
}

// sgdStep(params, momentumBuffers, initialised: Uint8Array, lr, momentum, dampening, weightDecay,
//         nesterov, maximize). A buffer not yet initialised takes a copy of the gradient, as
// PyTorch's does on its first step.
static Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NoGrad guard;
  std::vector<at::Tensor> params = tensorList(info, 0);
  double momentum = num(info, 4);
  std::vector<at::Tensor> bufs;
  Napi::Uint8Array initialised;
  if (momentum != 0) {
    bufs = tensorList(info, 1);
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      argError(env, "sgdStep: initialised must be a Uint8Array");
    initialised = info[2].As<Napi::Uint8Array>();
    if (bufs.size() != params.size() || initialised.ElementLength() != params.size())
      argError(env, "sgdStep: momentum buffers differ in length from the parameter list");
  }
  double lr = num(info, 3), dampening = num(info, 5), wd = num(info, 6);
  bool nesterov = flag(info, 7), maximize = flag(info, 8);
  for (size_t i = 0; i < params.size(); i++) {
    at::Tensor& param = params[i];
    const at::Tensor& g = param.grad();
    if (!g.defined()) continue;
    at::Tensor grad = maximize ? g.neg() : g;
    if (wd != 0) grad = grad.add(param, wd);
    if (momentum != 0) {
      at::Tensor& buf = bufs[i];
      if (!initialised[i]) {
        buf.copy_(grad);
        initialised[i] = 1;
      } else {
        buf.mul_(momentum).add_(grad, 1 - dampening);
      }
      if (nesterov) grad = grad.add(buf, momentum);
      else grad = buf;
    }
    param.add_(grad, -lr);
  }
  return env.Undefined();
}

void registerOptim(Napi::Env env, Napi::Object exports) {
  def<AdamStep>(env, exports, "adamStep");
  def<SgdStep>(env, exports, "sgdStep");
}

}  // namespace dsi
