// Shape and indexing operations, conversions between dtypes and devices.
#include "common.h"

namespace dsi {

static Napi::Value Reshape(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).reshape(ints(info, 1))); }
static Napi::Value View(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).view(ints(info, 1))); }
static Napi::Value Flatten(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info, 0).flatten(optI64(info, 1).value_or(0), optI64(info, 2).value_or(-1)));
}
static Napi::Value Permute(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).permute(ints(info, 1))); }
static Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info, 0).transpose(i64(info, 1), i64(info, 2)));
}
static Napi::Value Squeeze(const Napi::CallbackInfo& info) {
  auto dim = optI64(info, 1);
  return wrap(info.Env(), dim ? T(info, 0).squeeze(*dim) : T(info, 0).squeeze());
}
static Napi::Value Unsqueeze(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).unsqueeze(i64(info, 1))); }
static Napi::Value Cat(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::cat(tensorList(info, 0), i64(info, 1))); }
static Napi::Value Stack(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::stack(tensorList(info, 0), i64(info, 1))); }
static Napi::Value Narrow(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info, 0).narrow(i64(info, 1), i64(info, 2), i64(info, 3)));
}
static Napi::Value Select(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).select(i64(info, 1), i64(info, 2))); }
// slice(t, dim, start, end, step)
static Napi::Value Slice(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info, 0).slice(i64(info, 1), optI64(info, 2), optI64(info, 3), optI64(info, 4).value_or(1)));
}
static Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info, 0).index_select(i64(info, 1), T(info, 2)));
}
static Napi::Value Gather(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).gather(i64(info, 1), T(info, 2))); }
static Napi::Value MaskedSelect(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).masked_select(T(info, 1))); }
static Napi::Value Expand(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).expand(ints(info, 1))); }
static Napi::Value Repeat(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).repeat(ints(info, 1))); }
static Napi::Value Flip(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).flip(ints(info, 1))); }
static Napi::Value Split(const Napi::CallbackInfo& info) {
  return wrapList(info.Env(), T(info, 0).split(i64(info, 1), i64(info, 2)));
}
static Napi::Value Contiguous(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).contiguous()); }
static Napi::Value Clone(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).clone()); }
static Napi::Value Detach(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0).detach()); }
// Same tensor, new handle: lets a caller hand out a reference it may dispose independently.
static Napi::Value Alias(const Napi::CallbackInfo& info) { return wrap(info.Env(), T(info, 0)); }
// to(t, dtype, device, copy)
static Napi::Value To(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  auto dtype = optDtype(info, 1);
  auto device = optDevice(info, 2);
  return wrap(info.Env(), t.to(device.value_or(t.device()), dtype.value_or(t.scalar_type()), false, flag(info, 3)));
}
// setData(t, source): replaces t's data keeping its identity (module.to(device) uses it).
static Napi::Value SetData(const Napi::CallbackInfo& info) {
  T(info, 0).set_data(T(info, 1));
  return info[0];
}

void registerShape(Napi::Env env, Napi::Object exports) {
  def<Reshape>(env, exports, "reshape");
  def<View>(env, exports, "view");
  def<Flatten>(env, exports, "flatten");
  def<Permute>(env, exports, "permute");
  def<Transpose>(env, exports, "transpose");
  def<Squeeze>(env, exports, "squeeze");
  def<Unsqueeze>(env, exports, "unsqueeze");
  def<Cat>(env, exports, "cat");
  def<Stack>(env, exports, "stack");
  def<Narrow>(env, exports, "narrow");
  def<Select>(env, exports, "select");
  def<Slice>(env, exports, "slice");
  def<IndexSelect>(env, exports, "indexSelect");
  def<Gather>(env, exports, "gather");
  def<MaskedSelect>(env, exports, "maskedSelect");
  def<Expand>(env, exports, "expand");
  def<Repeat>(env, exports, "repeat");
  def<Flip>(env, exports, "flip");
  def<Split>(env, exports, "split");
  def<Contiguous>(env, exports, "contiguous");
  def<Clone>(env, exports, "clone");
  def<Detach>(env, exports, "detach");
  def<Alias>(env, exports, "alias");
  def<To>(env, exports, "to");
  def<SetData>(env, exports, "setData");
}

}  // namespace dsi
