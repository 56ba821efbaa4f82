// Mixed precision: the autocast state (thread-local in libtorch, so a Worker has its own) and the
// two fused kernels loss scaling needs. The TypeScript `autocast` scope and `GradScaler` build on
// these exactly as torch.autocast and torch.amp.GradScaler do.
#include "common.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace dsi {

// libtorch 2.4 made the autocast state per device type; 1.x had one function per device.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define DSI_AUTOCAST_BY_DEVICE 1
#endif

static at::DeviceType autocastDevice(const Napi::CallbackInfo& info, size_t i) {
  std::string d = info[i].As<Napi::String>().Utf8Value();
  if (d == "cpu") return at::kCPU;
  if (d == "cuda") return at::kCUDA;
  argError(info.Env(), "autocast runs on 'cpu' or 'cuda', not '" + d + "'");
}

static bool autocastEnabled(at::DeviceType device) {
#ifdef DSI_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(device);
#else
  return device == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

static at::ScalarType autocastDtype(at::DeviceType device) {
#ifdef DSI_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(device);
#else
  return device == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
#endif
}

// autocastState(device) → { enabled, dtype (ScalarType code) }
static Napi::Value AutocastState(const Napi::CallbackInfo& info) {
  at::DeviceType device = autocastDevice(info, 0);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("enabled", autocastEnabled(device));
  o.Set("dtype", static_cast<double>(static_cast<int>(autocastDtype(device))));
  return o;
}

// setAutocast(device, enabled, dtype code): what entering or leaving a scope sets.
static Napi::Value SetAutocast(const Napi::CallbackInfo& info) {
  at::DeviceType device = autocastDevice(info, 0);
  bool enabled = flag(info, 1);
  // Range-checked before the cast: an enum outside its values is undefined behaviour.
  int64_t code = i64(info, 2);
  if (code < 0 || code >= static_cast<int64_t>(at::ScalarType::NumOptions))
    argError(info.Env(), argName(info, 2) + " (dtype): unknown dtype code " + std::to_string(code));
  auto dtype = static_cast<at::ScalarType>(code);
  if (device == at::kCPU && dtype != at::kBFloat16 && dtype != at::kHalf) {
    argError(info.Env(), "CPU autocast computes in bfloat16 or float16");
  }
  if (device == at::kCUDA && dtype != at::kBFloat16 && dtype != at::kHalf) {
    argError(info.Env(), "CUDA autocast computes in float16 or bfloat16");
  }
#ifdef DSI_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(device, dtype);
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == at::kCPU) {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(enabled);
  } else {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
  }
#endif
  return info.Env().Undefined();
}

// The nesting count decides when the cache of down-cast weights is dropped: leaving the outermost
// scope must clear it, or the next step would reuse casts of weights the optimiser has since
// changed.
static Napi::Value AutocastEnter(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::autocast::increment_nesting());
}
static Napi::Value AutocastExit(const Napi::CallbackInfo& info) {
  int depth = at::autocast::decrement_nesting();
  if (depth == 0) at::autocast::clear_cache();
  return Napi::Number::New(info.Env(), depth);
}

// ampUnscale(grads, foundInf, invScale): grads *= invScale in place; foundInf = 1 if any is not
// finite (PyTorch's fused kernel, one pass over all gradients).
static Napi::Value AmpUnscale(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> grads = tensorList(info, 0);
  at::Tensor& foundInf = T(info, 1);
  at::_amp_foreach_non_finite_check_and_unscale_(grads, foundInf, T(info, 2));
  return info.Env().Undefined();
}

// ampUpdateScale(scale, growthTracker, foundInf, growthFactor, backoffFactor, growthInterval)
static Napi::Value AmpUpdateScale(const Napi::CallbackInfo& info) {
  at::Tensor& scale = T(info, 0);
  at::Tensor& tracker = T(info, 1);
  at::_amp_update_scale_(scale, tracker, T(info, 2), num(info, 3), num(info, 4), i64(info, 5));
  return info.Env().Undefined();
}

void registerAmp(Napi::Env env, Napi::Object exports) {
  def<AutocastState>(env, exports, "autocastState");
  def<SetAutocast>(env, exports, "setAutocast");
  def<AutocastEnter>(env, exports, "autocastEnter");
  def<AutocastExit>(env, exports, "autocastExit");
  def<AmpUnscale>(env, exports, "ampUnscale");
  def<AmpUpdateScale>(env, exports, "ampUpdateScale");
}

}  // namespace dsi
