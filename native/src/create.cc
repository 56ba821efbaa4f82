// Tensors in and out of JavaScript, factories and tensor properties.
#include "common.h"

#include <cstring>
#include <limits>

namespace dsi {

// TypedArray element type → libtorch dtype.
static at::ScalarType typedArrayDtype(Napi::Env env, napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_bigint64_array: return at::kLong;
    case napi_int32_array: return at::kInt;
    case napi_int16_array: return at::kShort;
    case napi_int8_array: return at::kChar;
    case napi_uint8_array:
    case napi_uint8_clamped_array: return at::kByte;
    case napi_uint16_array: return at::kBFloat16;  // raw 16-bit floats; the caller names the dtype
    default: argError(env, "unsupported TypedArray type");
  }
}

// fromArray(typedArray, shape, dtype, device): copies the array's contents into a new tensor.
// A Uint8Array with dtype bool is read as booleans; a Uint16Array holds bfloat16 or float16 bits.
static Napi::Value FromArray(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) argError(env, "expected a TypedArray");
  Napi::TypedArray arr = info[0].As<Napi::TypedArray>();
  std::vector<int64_t> shape = ints(info, 1);
  auto dtype = optDtype(info, 2);
  at::ScalarType source = typedArrayDtype(env, arr.TypedArrayType());
  if (arr.TypedArrayType() == napi_uint16_array) {
    if (!dtype || (*dtype != at::kBFloat16 && *dtype != at::kHalf))
      argError(env, "a Uint16Array holds bfloat16 or float16 bits: name the dtype");
    source = *dtype;
  }
  if (source == at::kByte && dtype && *dtype == at::kBool) source = at::kBool;
  int64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) argError(env, "shape entries must not be negative");
    // Signed overflow is undefined behaviour: check before multiplying.
    if (d != 0 && numel > std::numeric_limits<int64_t>::max() / d)
      argError(env, "shape [" + c10::Join(", ", shape) + "] has more elements than int64 counts");
    numel *= d;
  }
  if (static_cast<int64_t>(arr.ElementLength()) != numel)
    argError(env, "array has " + std::to_string(arr.ElementLength()) + " elements but shape [" +
                      c10::Join(", ", shape) + "] needs " + std::to_string(numel));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(source));
  size_t bytes = arr.ElementLength() * arr.ElementSize();
  if (bytes > 0) {
    auto* src = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    // Large copies go through libtorch's copy, which splits them over the intra-op threads.
    if (bytes >= (256u << 10)) {
      t.copy_(at::from_blob(src, shape, at::TensorOptions().dtype(source)));
    } else {
      std::memcpy(t.data_ptr(), src, bytes);
    }
  }
  auto device = optDevice(info, 3);
  if ((dtype && *dtype != source) || (device && *device != t.device())) {
    t = t.to(device.value_or(t.device()), dtype.value_or(source));
  }
  return wrap(env, t);
}

// The TypedArray type a tensor of this dtype copies out to.
static napi_typedarray_type arrayTypeFor(Napi::Env env, at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return napi_float32_array;
    case at::kDouble: return napi_float64_array;
    case at::kLong: return napi_bigint64_array;
    case at::kInt: return napi_int32_array;
    case at::kShort: return napi_int16_array;
    case at::kChar: return napi_int8_array;
    case at::kByte:
    case at::kBool: return napi_uint8_array;
    case at::kBFloat16:
    case at::kHalf: return napi_uint16_array;
    default: argError(env, std::string("cannot copy out a tensor of dtype ") + c10::toString(dtype));
  }
}

// toArray(t): a copy of the tensor's elements in a TypedArray of the matching type.
static Napi::Value ToArray(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = T(info, 0).detach();
  if (!t.is_cpu()) t = t.cpu();
  t = t.contiguous();
  size_t n = static_cast<size_t>(t.numel());
  size_t bytes = n * t.element_size();
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buf.Data(), t.data_ptr(), bytes);
  napi_typedarray_type kind = arrayTypeFor(env, t.scalar_type());
  napi_value out;
  NAPI_THROW_IF_FAILED(env, napi_create_typedarray(env, kind, n, buf, 0, &out), Napi::Value());
  return Napi::Value(env, out);
}

// copyToArray(t, array): copies the tensor's elements into a TypedArray of exactly its size and
// element type, on libtorch's threads. TypeScript allocates the array uninitialised for large
// tensors, which saves the zero-filling pass that toArray's fresh ArrayBuffer costs.
static Napi::Value CopyToArray(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = T(info, 0).detach();
  if (!info[1].IsTypedArray()) argError(env, "expected a TypedArray");
  Napi::TypedArray arr = info[1].As<Napi::TypedArray>();
  if (arr.TypedArrayType() != arrayTypeFor(env, t.scalar_type())) {
    argError(env, std::string("a ") + c10::toString(t.scalar_type()) + " tensor does not copy into this TypedArray");
  }
  if (static_cast<int64_t>(arr.ElementLength()) != t.numel()) {
    argError(env, "the array has " + std::to_string(arr.ElementLength()) + " elements, the tensor " + std::to_string(t.numel()));
  }
  if (t.numel() == 0) return info[1];
  auto* dst = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  at::Tensor out = at::from_blob(dst, t.sizes(), at::TensorOptions().dtype(t.scalar_type()));
  out.copy_(t);
  return info[1];
}

static Napi::Value Item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& t = T(info, 0);
  if (t.numel() != 1)
    throwTorch(env, "item() needs a tensor with exactly one element, this one has " + std::to_string(t.numel()),
               "E_TORCH_VALUE");
  at::Scalar s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
  if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
  return Napi::Number::New(env, s.toDouble());
}

static Napi::Value Shape(const Napi::CallbackInfo& info) {
  at::Tensor& t = T(info, 0);
  Napi::Array arr = Napi::Array::New(info.Env(), t.dim());
  for (int64_t k = 0; k < t.dim(); k++) arr.Set(static_cast<uint32_t>(k), Napi::Number::New(info.Env(), t.size(k)));
  return arr;
}

static Napi::Value Dtype(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(T(info, 0).scalar_type()));
}

static Napi::Value DeviceOf(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), T(info, 0).device().str());
}

static Napi::Value Numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(T(info, 0).numel()));
}

static Napi::Value Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), T(info, 0).dim()); }

static Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), T(info, 0).is_contiguous());
}

static Napi::Value ToString(const Napi::CallbackInfo& info) {
  std::ostringstream out;
  out << T(info, 0);
  return Napi::String::New(info.Env(), out.str());
}

// Factories: (shape, dtype, device)
static Napi::Value Empty(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::empty(ints(info, 0), options(info, 1, 2)));
}
static Napi::Value Zeros(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::zeros(ints(info, 0), options(info, 1, 2)));
}
static Napi::Value Ones(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::ones(ints(info, 0), options(info, 1, 2)));
}
static Napi::Value Rand(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::rand(ints(info, 0), options(info, 1, 2)));
}
static Napi::Value Randn(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::randn(ints(info, 0), options(info, 1, 2)));
}
// full(shape, value, dtype, device)
static Napi::Value Full(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::full(ints(info, 0), scalar(info.Env(), info[1]), options(info, 2, 3)));
}
// arange(start, end, step, dtype, device)
static Napi::Value Arange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return wrap(env, at::arange(scalar(env, info[0]), scalar(env, info[1]), scalar(env, info[2]), options(info, 3, 4)));
}
// linspace(start, end, steps, dtype, device)
static Napi::Value Linspace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return wrap(env, at::linspace(scalar(env, info[0]), scalar(env, info[1]), i64(info, 2), options(info, 3, 4)));
}
// randint(low, high, shape, dtype, device)
static Napi::Value Randint(const Napi::CallbackInfo& info) {
  at::TensorOptions o = options(info, 3, 4);
  if (!optDtype(info, 3)) o = o.dtype(at::kLong);
  return wrap(info.Env(), at::randint(i64(info, 0), i64(info, 1), ints(info, 2), o));
}
// randperm(n, dtype, device)
static Napi::Value Randperm(const Napi::CallbackInfo& info) {
  at::TensorOptions o = options(info, 1, 2);
  if (!optDtype(info, 1)) o = o.dtype(at::kLong);
  return wrap(info.Env(), at::randperm(i64(info, 0), o));
}

void registerCreate(Napi::Env env, Napi::Object exports) {
  def<FromArray>(env, exports, "fromArray");
  def<ToArray>(env, exports, "toArray");
  def<CopyToArray>(env, exports, "copyToArray");
  def<Item>(env, exports, "item");
  def<Shape>(env, exports, "shape");
  def<Dtype>(env, exports, "dtype");
  def<DeviceOf>(env, exports, "device");
  def<Numel>(env, exports, "numel");
  def<Dim>(env, exports, "dim");
  def<IsContiguous>(env, exports, "isContiguous");
  def<ToString>(env, exports, "format");
  def<Empty>(env, exports, "empty");
  def<Zeros>(env, exports, "zeros");
  def<Ones>(env, exports, "ones");
  def<Rand>(env, exports, "rand");
  def<Randn>(env, exports, "randn");
  def<Full>(env, exports, "full");
  def<Arange>(env, exports, "arange");
  def<Linspace>(env, exports, "linspace");
  def<Randint>(env, exports, "randint");
  def<Randperm>(env, exports, "randperm");
}

}  // namespace dsi
