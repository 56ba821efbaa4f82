// Linear algebra and selection, used in float64 by the evaluation metrics.
#include "common.h"

namespace dsi {

static Napi::Value Mm(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::mm(T(info, 0), T(info, 1))); }
// eigh(a, upper) → [eigenvalues ascending, eigenvectors as columns]
static Napi::Value Eigh(const Napi::CallbackInfo& info) {
  return wrapPair(info.Env(), at::linalg_eigh(T(info, 0), flag(info, 1) ? "U" : "L"));
}
static Napi::Value Cdist(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::cdist(T(info, 0), T(info, 1), optNum(info, 2).value_or(2.0)));
}
// topk(t, k, dim, largest, sorted) → [values, indices]
static Napi::Value Topk(const Napi::CallbackInfo& info) {
  return wrapPair(info.Env(), T(info, 0).topk(i64(info, 1), optI64(info, 2).value_or(-1), flag(info, 3, true), flag(info, 4, true)));
}
// kthvalue(t, k, dim, keepdim) → [values, indices]; k is 1-based as in PyTorch.
static Napi::Value Kthvalue(const Napi::CallbackInfo& info) {
  return wrapPair(info.Env(), T(info, 0).kthvalue(i64(info, 1), optI64(info, 2).value_or(-1), flag(info, 3)));
}
// sort(t, dim, descending) → [values, indices]
static Napi::Value Sort(const Napi::CallbackInfo& info) {
  return wrapPair(info.Env(), T(info, 0).sort(optI64(info, 1).value_or(-1), flag(info, 2)));
}
static Napi::Value Diag(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).diag(optI64(info, 1).value_or(0))); }
static Napi::Value Trace(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).trace()); }
static Napi::Value Outer(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::outer(T(info, 0), T(info, 1))); }
static Napi::Value Det(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::linalg_det(T(info, 0))); }
static Napi::Value Inv(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::linalg_inv(T(info, 0))); }

void registerLinalg(Napi::Env env, Napi::Object exports) {
  def<Mm>(env, exports, "mm");
  def<Eigh>(env, exports, "eigh");
  def<Cdist>(env, exports, "cdist");
  def<Topk>(env, exports, "topk");
  def<Kthvalue>(env, exports, "kthvalue");
  def<Sort>(env, exports, "sort");
  def<Diag>(env, exports, "diag");
  def<Trace>(env, exports, "trace");
  def<Outer>(env, exports, "outer");
  def<Det>(env, exports, "det");
  def<Inv>(env, exports, "inv");
}

}  // namespace dsi
