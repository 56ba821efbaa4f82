// Shared pieces of the addon: the tensor handle class, argument conversion and the guard that
// turns every C++ exception into a JavaScript error. Every exported function goes through
// `Guarded<F>`, so a libtorch error never reaches Node as an uncaught C++ exception.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace dsi {

// Per-environment bookkeeping (main thread and every Worker have their own). Tensor handles hold
// a shared_ptr to it, so a handle finalised after its environment is torn down is still safe.
struct Counters {
  int64_t liveTensors = 0;
  int64_t bytes = 0;
  // Storage → (handles referring to it, bytes counted for it): views share one storage and are
  // counted once.
  std::unordered_map<const void*, std::pair<int64_t, int64_t>> storages;
  // Bytes of CPU storages freed by the garbage collector's finaliser and not yet subtracted from
  // V8's external-memory count: the finaliser runs inside the collection, where V8 must not be
  // called, so the next call with a full environment (a new tensor, a dispose) reports them.
  int64_t externalPendingRelease = 0;
};

struct Instance {
  std::shared_ptr<Counters> counters = std::make_shared<Counters>();
  Napi::FunctionReference tensorClass;  // the TypeScript subclass that native code instantiates
  Napi::FunctionReference errorClass;   // TorchError
  Napi::FunctionReference baseClass;    // the native base class
};

Instance& instance(Napi::Env env);

// The handle behind every JavaScript tensor. Each CPU storage is reported to V8 as external
// memory once, when its first handle is made, and subtracted once, when its last handle is
// disposed or collected, so V8's count follows the bytes libtorch really holds.
//
// The addon is built with NAPI_EXPERIMENTAL and the handle overrides only the basic finaliser
// (`Finalize(Napi::BasicEnv)`): Node then frees a collected handle synchronously, inside the
// collection, instead of queueing it for the event loop. A loop that never yields would otherwise
// keep every collected wrapper and its native half until it did.
class TensorHandle : public Napi::ObjectWrap<TensorHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TensorHandle(const Napi::CallbackInfo& info);
  ~TensorHandle() override;

  void Set(Napi::Env env, at::Tensor t);
  // env is null when V8 must not be called (inside the garbage collector).
  void Release(napi_env env);
  void Finalize(Napi::BasicEnv env) override;
  bool disposed() const { return disposed_; }
  at::Tensor tensor;

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);
  std::shared_ptr<Counters> counters_;
  const void* storage_ = nullptr;
  bool disposed_ = false;
  bool set_ = false;
};

// Error conversion ---------------------------------------------------------------------------

[[noreturn]] void throwTorch(Napi::Env env, const std::string& message, const char* code,
                             const std::string& detail = "");

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::OutOfMemoryError& e) {
    throwTorch(env, e.what_without_backtrace(), "E_TORCH_OOM", e.what());
  } catch (const c10::IndexError& e) {
    throwTorch(env, e.what_without_backtrace(), "E_TORCH_INDEX", e.what());
  } catch (const c10::TypeError& e) {
    throwTorch(env, e.what_without_backtrace(), "E_TORCH_TYPE", e.what());
  } catch (const c10::ValueError& e) {
    throwTorch(env, e.what_without_backtrace(), "E_TORCH_VALUE", e.what());
  } catch (const c10::NotImplementedError& e) {
    throwTorch(env, e.what_without_backtrace(), "E_TORCH_NOT_IMPLEMENTED", e.what());
  } catch (const c10::Error& e) {
    throwTorch(env, e.what_without_backtrace(), "E_TORCH", e.what());
  } catch (const std::exception& e) {
    throwTorch(env, e.what(), "E_TORCH");
  } catch (...) {
    throwTorch(env, "unknown native error", "E_TORCH");
  }
}

// Registers `name` on `exports` as a guarded function. The name travels as the function's data,
// so argument errors can say which function they come from (`fnName`).
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void def(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<Guarded<F>>(env, name, const_cast<char*>(name)));
}

// The exported name of the function being called ("" when it was not registered through `def`).
const char* fnName(const Napi::CallbackInfo& info);

// Argument conversion ------------------------------------------------------------------------

[[noreturn]] void argError(Napi::Env env, const std::string& message);
// "fn: argument N" for messages about the i-th (0-based) argument.
std::string argName(const Napi::CallbackInfo& info, size_t i);
// A double as an int64_t, checked before the cast (a cast of NaN, ±Infinity, a fraction's
// truncation aside, or a value outside [-2^63, 2^63) is undefined behaviour in C++). `what`
// names the argument in the E_TORCH_ARGUMENT error.
int64_t checkedInt64(Napi::Env env, double d, const std::string& what, const char* expected = "an integer");

at::Tensor& T(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Tensor> optT(const Napi::CallbackInfo& info, size_t i);
at::Tensor& tensorOf(Napi::Env env, const Napi::Value& v);
std::vector<at::Tensor> tensorList(const Napi::CallbackInfo& info, size_t i);
double num(const Napi::CallbackInfo& info, size_t i);
c10::optional<double> optNum(const Napi::CallbackInfo& info, size_t i);
int64_t i64(const Napi::CallbackInfo& info, size_t i);
c10::optional<int64_t> optI64(const Napi::CallbackInfo& info, size_t i);
bool flag(const Napi::CallbackInfo& info, size_t i, bool fallback = false);
std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t i);
c10::optional<std::vector<int64_t>> optInts(const Napi::CallbackInfo& info, size_t i);
at::Scalar scalar(Napi::Env env, const Napi::Value& v);
// dtype code (c10::ScalarType's value) or undefined/-1 for "keep / default".
c10::optional<at::ScalarType> optDtype(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Device> optDevice(const Napi::CallbackInfo& info, size_t i);
at::TensorOptions options(const Napi::CallbackInfo& info, size_t dtypeArg, size_t deviceArg);
bool isTensor(Napi::Env env, const Napi::Value& v);

// Wraps a libtorch tensor in a new JavaScript tensor object.
Napi::Value wrap(Napi::Env env, at::Tensor t);
Napi::Value wrapPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& p);
Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& list);

// Registration, one function per source file.
void registerCreate(Napi::Env env, Napi::Object exports);
void registerShape(Napi::Env env, Napi::Object exports);
void registerMath(Napi::Env env, Napi::Object exports);
void registerReduce(Napi::Env env, Napi::Object exports);
void registerNN(Napi::Env env, Napi::Object exports);
void registerLinalg(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);
void registerOptim(Napi::Env env, Napi::Object exports);
void registerRuntime(Napi::Env env, Napi::Object exports);
void registerAmp(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);
void registerDistributedAutograd(Napi::Env env, Napi::Object exports);

}  // namespace dsi
