// Reductions. `dims` may be undefined (all dimensions), a number or an array.
#include "common.h"

#include <torch/version.h>


namespace dsi {

// sum(t, dims?, keepdim, dtype?)
static Napi::Value Sum(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  auto dims = optInts(info, 1);
  auto dtype = optDtype(info, 3);
  if (!dims) return wrap(info.Env(), t.sum(dtype));
  return wrap(info.Env(), t.sum(*dims, flag(info, 2), dtype));
}
static Napi::Value Mean(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  auto dims = optInts(info, 1);
  auto dtype = optDtype(info, 3);
  if (!dims) return wrap(info.Env(), t.mean(dtype));
  return wrap(info.Env(), t.mean(*dims, flag(info, 2), dtype));
}
static Napi::Value Prod(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  auto dim = optI64(info, 1);
  if (!dim) return wrap(info.Env(), t.prod());
  return wrap(info.Env(), t.prod(*dim, flag(info, 2)));
}
// libtorch 1.x takes an integer correction, 2.x a Scalar.
static auto correctionOf(const Napi::CallbackInfo& info, size_t i) {
  double c = optNum(info, i).value_or(1.0);
#if TORCH_VERSION_MAJOR >= 2
  return c10::optional<at::Scalar>(at::Scalar(c));
#else
  return c10::optional<int64_t>(checkedInt64(info.Env(), c, argName(info, i) + " (correction)"));
#endif
}

// var(t, dims?, correction, keepdim) and std
static Napi::Value Var(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  auto dims = optInts(info, 1);
  auto correction = correctionOf(info, 2);
  return wrap(info.Env(), at::var(t, dims ? at::OptionalIntArrayRef(*dims) : c10::nullopt, correction, flag(info, 3)));
}
static Napi::Value Std(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  auto dims = optInts(info, 1);
  auto correction = correctionOf(info, 2);
  return wrap(info.Env(), at::std(t, dims ? at::OptionalIntArrayRef(*dims) : c10::nullopt, correction, flag(info, 3)));
}
// max(t) → tensor; maxDim(t, dim, keepdim) → [values, indices]
static Napi::Value Max(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).max()); }
static Napi::Value Min(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).min()); }
static Napi::Value MaxDim(const Napi::CallbackInfo& info) {
  return wrapPair(info.Env(), T(info, 0).max(i64(info, 1), flag(info, 2)));
}
static Napi::Value MinDim(const Napi::CallbackInfo& info) {
  return wrapPair(info.Env(), T(info, 0).min(i64(info, 1), flag(info, 2)));
}
static Napi::Value Argmax(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info, 0).argmax(optI64(info, 1), flag(info, 2)));
}
static Napi::Value Argmin(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info, 0).argmin(optI64(info, 1), flag(info, 2)));
}
static Napi::Value Logsumexp(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info, 0).logsumexp(ints(info, 1), flag(info, 2)));
}
// norm(t, p, dims?, keepdim)
static Napi::Value Norm(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  at::Scalar p = optNum(info, 1).value_or(2.0);
  auto dims = optInts(info, 2);
  if (!dims) return wrap(info.Env(), at::norm(t, p));
  return wrap(info.Env(), at::norm(t, p, *dims, flag(info, 3)));
}
static Napi::Value All(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).all()); }
static Napi::Value Any(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).any()); }
static Napi::Value Cumsum(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).cumsum(i64(info, 1))); }

void registerReduce(Napi::Env env, Napi::Object exports) {
  def<Sum>(env, exports, "sum");
  def<Mean>(env, exports, "mean");
  def<Prod>(env, exports, "prod");
  def<Var>(env, exports, "var");
  def<Std>(env, exports, "std");
  def<Max>(env, exports, "max");
  def<Min>(env, exports, "min");
  def<MaxDim>(env, exports, "maxDim");
  def<MinDim>(env, exports, "minDim");
  def<Argmax>(env, exports, "argmax");
  def<Argmin>(env, exports, "argmin");
  def<Logsumexp>(env, exports, "logsumexp");
  def<Norm>(env, exports, "norm");
  def<All>(env, exports, "all");
  def<Any>(env, exports, "any");
  def<Cumsum>(env, exports, "cumsum");
}

}  // namespace dsi
