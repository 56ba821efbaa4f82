// Module entry point, the tensor handle and argument conversion.
#include "common.h"
#include "reducer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dsi {

Instance& instance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

// TensorHandle ---------------------------------------------------------------------------------

Napi::Function TensorHandle::Define(Napi::Env env) {
  return DefineClass(env, "NativeTensor",
                     {InstanceMethod<&TensorHandle::Dispose>("dispose"),
                      InstanceAccessor<&TensorHandle::IsDisposed>("isDisposed")});
}

TensorHandle::TensorHandle(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<TensorHandle>(info), counters_(instance(info.Env()).counters) {}

TensorHandle::~TensorHandle() { Release(nullptr); }

// Reports `change` bytes to V8 together with what the finaliser freed since the last report.
static void adjustExternal(napi_env env, Counters& c, int64_t change) {
  change -= c.externalPendingRelease;
  c.externalPendingRelease = 0;
  if (change == 0) return;
  int64_t ignored;
  napi_adjust_external_memory(env, change, &ignored);
}

void TensorHandle::Set(Napi::Env env, at::Tensor t) {
  tensor = std::move(t);
  set_ = true;
  counters_->liveTensors++;
  int64_t added = 0;
  if (tensor.defined() && tensor.has_storage()) {
    const void* key = tensor.storage().unsafeGetStorageImpl();
    auto& entry = counters_->storages[key];
    if (entry.first++ == 0) {
      entry.second = static_cast<int64_t>(tensor.storage().nbytes());
      counters_->bytes += entry.second;
      if (tensor.is_cpu()) added = entry.second;
    }
    storage_ = key;
  }
  if (added > 0 || counters_->externalPendingRelease > 0) adjustExternal(env, *counters_, added);
}

void TensorHandle::Release(napi_env env) {
  if (disposed_ || !set_) {
    disposed_ = true;
    return;
  }
  disposed_ = true;
  counters_->liveTensors--;
  int64_t released = 0;
  if (storage_ != nullptr) {
    auto it = counters_->storages.find(storage_);
    if (it != counters_->storages.end() && --it->second.first == 0) {
      counters_->bytes -= it->second.second;
      if (tensor.is_cpu()) released = it->second.second;
      counters_->storages.erase(it);
    }
  }
  tensor = at::Tensor();
  if (env == nullptr) {
    counters_->externalPendingRelease += released;
  } else if (released > 0 || counters_->externalPendingRelease > 0) {
    adjustExternal(env, *counters_, -released);
  }
}

// Runs inside the garbage collector: frees the tensor now, leaves V8's count to the next report.
void TensorHandle::Finalize(Napi::BasicEnv) { Release(nullptr); }

Napi::Value TensorHandle::Dispose(const Napi::CallbackInfo& info) {
  Release(info.Env());
  return info.Env().Undefined();
}

Napi::Value TensorHandle::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), disposed_);
}

// Errors ---------------------------------------------------------------------------------------

void throwTorch(Napi::Env env, const std::string& message, const char* code, const std::string& detail) {
  Instance& inst = instance(env);
  if (!inst.errorClass.IsEmpty()) {
    Napi::Object err = inst.errorClass.New({Napi::String::New(env, message), Napi::String::New(env, code),
                                             Napi::String::New(env, detail)});
    throw Napi::Error(env, err);
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

void argError(Napi::Env env, const std::string& message) { throwTorch(env, message, "E_TORCH_ARGUMENT"); }

const char* fnName(const Napi::CallbackInfo& info) {
  const char* name = static_cast<const char*>(info.Data());
  return name != nullptr ? name : "";
}

std::string argName(const Napi::CallbackInfo& info, size_t i) {
  const char* fn = fnName(info);
  return (*fn != '\0' ? std::string(fn) + ": " : std::string()) + "argument " + std::to_string(i + 1);
}

// "nan", "inf", "-inf", or the shortest text that reads back as d ("2.5", "9.223372036854776e+18").
static std::string numberText(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[32];
  for (int precision = 1; precision <= 17; precision++) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

int64_t checkedInt64(Napi::Env env, double d, const std::string& what, const char* expected) {
  // 2^63 is exact as a double; int64_t holds [-2^63, 2^63).
  constexpr double limit = 9223372036854775808.0;
  if (!std::isfinite(d) || std::trunc(d) != d) argError(env, what + ": expected " + expected + ", got " + numberText(d));
  if (d < -limit || d >= limit)
    argError(env, what + ": expected " + expected + ", got " + numberText(d) + ", outside the int64 range");
  return static_cast<int64_t>(d);
}

// A BigInt that fits in int64_t.
static int64_t bigInt64(const Napi::CallbackInfo& info, const Napi::Value& v, size_t i) {
  bool lossless = false;
  int64_t value = v.As<Napi::BigInt>().Int64Value(&lossless);
  if (!lossless) argError(info.Env(), argName(info, i) + ": expected an integer, got a BigInt outside the int64 range");
  return value;
}

// Arguments ------------------------------------------------------------------------------------

bool isTensor(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) return false;
  return v.As<Napi::Object>().InstanceOf(instance(env).baseClass.Value());
}

at::Tensor& tensorOf(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) argError(env, "expected a tensor");
  TensorHandle* h = nullptr;
  napi_status status = napi_unwrap(env, v, reinterpret_cast<void**>(&h));
  if (status != napi_ok || h == nullptr) argError(env, "expected a tensor");
  if (h->disposed()) throwTorch(env, "tensor was disposed and cannot be used", "E_DISPOSED");
  return h->tensor;
}

at::Tensor& T(const Napi::CallbackInfo& info, size_t i) { return tensorOf(info.Env(), info[i]); }

c10::optional<at::Tensor> optT(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return tensorOf(info.Env(), info[i]);
}

std::vector<at::Tensor> tensorList(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) argError(info.Env(), "expected an array of tensors");
  Napi::Array arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) out.push_back(tensorOf(info.Env(), arr.Get(k)));
  return out;
}

double num(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNumber()) return info[i].As<Napi::Number>().DoubleValue();
  if (info[i].IsBoolean()) return info[i].As<Napi::Boolean>().Value() ? 1.0 : 0.0;
  if (info[i].IsBigInt()) return static_cast<double>(bigInt64(info, info[i], i));
  argError(info.Env(), argName(info, i) + ": expected a number");
}

c10::optional<double> optNum(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return num(info, i);
}

int64_t i64(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsBigInt()) return bigInt64(info, info[i], i);
  if (info[i].IsNumber()) return checkedInt64(info.Env(), info[i].As<Napi::Number>().DoubleValue(), argName(info, i));
  argError(info.Env(), argName(info, i) + ": expected an integer");
}

c10::optional<int64_t> optI64(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return i64(info, i);
}

bool flag(const Napi::CallbackInfo& info, size_t i, bool fallback) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return fallback;
  return info[i].ToBoolean().Value();
}

std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNumber() || info[i].IsBigInt()) return {i64(info, i)};
  if (!info[i].IsArray()) argError(info.Env(), argName(info, i) + ": expected an array of integers");
  Napi::Array arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr.Get(k);
    if (!v.IsNumber()) argError(info.Env(), argName(info, i) + ": expected an array of integers");
    out[k] = checkedInt64(info.Env(), v.As<Napi::Number>().DoubleValue(), argName(info, i), "integers");
  }
  return out;
}

c10::optional<std::vector<int64_t>> optInts(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return ints(info, i);
}

at::Scalar scalar(Napi::Env env, const Napi::Value& v) {
  if (v.IsNumber()) {
    // An integral number is an integer, as a Python int is: `arange(0, 7, 2)` is int64 and
    // `int64Tensor.mul(2)` stays int64.
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::trunc(d) == d && std::abs(d) <= 9007199254740992.0) return at::Scalar(static_cast<int64_t>(d));
    return at::Scalar(d);
  }
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  if (v.IsBigInt()) {
    bool lossless = false;
    int64_t value = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) argError(env, "expected a number, got a BigInt outside the int64 range");
    return at::Scalar(value);
  }
  argError(env, "expected a number");
}

c10::optional<at::ScalarType> optDtype(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  int64_t code = i64(info, i);
  if (code < 0) return c10::nullopt;
  if (code >= static_cast<int64_t>(at::ScalarType::NumOptions)) argError(info.Env(), "unknown dtype code");
  return static_cast<at::ScalarType>(code);
}

c10::optional<at::Device> optDevice(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  if (!info[i].IsString()) argError(info.Env(), "device must be a string such as 'cpu' or 'cuda:0'");
  return at::Device(info[i].As<Napi::String>().Utf8Value());
}

at::TensorOptions options(const Napi::CallbackInfo& info, size_t dtypeArg, size_t deviceArg) {
  at::TensorOptions o;
  if (auto d = optDtype(info, dtypeArg)) o = o.dtype(*d);
  if (auto dev = optDevice(info, deviceArg)) o = o.device(*dev);
  return o;
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  Instance& inst = instance(env);
  Napi::Object obj = inst.tensorClass.IsEmpty() ? inst.baseClass.New({}) : inst.tensorClass.New({});
  TensorHandle::Unwrap(obj)->Set(env, std::move(t));
  return obj;
}

Napi::Value wrapPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& p) {
  Napi::Array arr = Napi::Array::New(env, 2);
  arr.Set(0u, wrap(env, std::get<0>(p)));
  arr.Set(1u, wrap(env, std::get<1>(p)));
  return arr;
}

Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& list) {
  Napi::Array arr = Napi::Array::New(env, list.size());
  for (size_t k = 0; k < list.size(); k++) arr.Set(static_cast<uint32_t>(k), wrap(env, list[k]));
  return arr;
}

// Setup ----------------------------------------------------------------------------------------

static Napi::Value SetClasses(const Napi::CallbackInfo& info) {
  Instance& inst = instance(info.Env());
  if (info[0].IsFunction()) inst.tensorClass = Napi::Persistent(info[0].As<Napi::Function>());
  if (info[1].IsFunction()) inst.errorClass = Napi::Persistent(info[1].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* inst = new Instance();
  env.SetInstanceData<Instance>(inst);
  Napi::Function base = TensorHandle::Define(env);
  inst->baseClass = Napi::Persistent(base);
  exports.Set("NativeTensor", base);
  def<SetClasses>(env, exports, "setClasses");
  registerCreate(env, exports);
  registerShape(env, exports);
  registerMath(env, exports);
  registerReduce(env, exports);
  registerNN(env, exports);
  registerLinalg(env, exports);
  registerAutograd(env, exports);
  registerOptim(env, exports);
  registerRuntime(env, exports);
  registerAmp(env, exports);
  registerDistributed(env, exports);
  registerDistributedAutograd(env, exports);
  registerReducer(env, exports);
  return exports;
}

}  // namespace dsi

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return dsi::Init(env, exports); }

NODE_API_MODULE(dsi_torch, InitModule)
