// Random generators, threads, devices, build information and memory counters.
#include "common.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <limits>
#include <mutex>

// libtorch 2.9 gave every accelerator one allocator interface with statistics; with it the memory
// functions need no CUDA headers, so the same source builds against CPU and CUDA libtorch.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 9)
#include <ATen/DeviceAccelerator.h>
#define DSI_ACCELERATOR_MEMORY 1
#endif

namespace dsi {

// manualSeed(seed): seeds the CPU generator and every CUDA generator, as torch.manual_seed does.
static Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  uint64_t seed;
  if (info[0].IsBigInt()) {
    // torch.manual_seed takes [-2^63, 2^64); a negative seed wraps, as in PyTorch.
    bool lossless = false;
    seed = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) {
      int64_t negative = info[0].As<Napi::BigInt>().Int64Value(&lossless);
      if (!lossless || negative >= 0)
        argError(info.Env(), argName(info, 0) + " (seed): expected an integer in [-2^63, 2^64), got a BigInt outside it");
      seed = static_cast<uint64_t>(negative);
    }
  } else {
    seed = static_cast<uint64_t>(i64(info, 0));
  }
  at::manual_seed(seed);
  return info.Env().Undefined();
}

// The CPU generator's full state as a uint8 tensor (PyTorch's torch.get_rng_state()).
static Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrap(info.Env(), at::Tensor(gen.get_state()));
}

static Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  at::Tensor state = T(info, 0);
  if (state.scalar_type() != at::kByte) argError(info.Env(), "a generator state is a uint8 tensor");
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state.contiguous().cpu());
  return info.Env().Undefined();
}

static Napi::Value InitialSeed(const Napi::CallbackInfo& info) {
  auto gen = at::detail::getDefaultCPUGenerator();
  return Napi::BigInt::New(info.Env(), gen.current_seed());
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = i64(info, 0);
  if (n < 1) argError(info.Env(), "the thread count must be at least 1");
  if (n > std::numeric_limits<int>::max()) argError(info.Env(), "the thread count must fit in an int, got " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

static Napi::Value CudaIsAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), torch::cuda::is_available());
}
static Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}
static Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
  torch::cuda::synchronize(optI64(info, 0).value_or(-1));
  return info.Env().Undefined();
}

// CUDA's caching allocator: cudaMemoryStats(device) → bytes and counts; cudaEmptyCache();
// cudaResetPeakStats(device). The TypeScript side checks that CUDA is available first.
#ifdef DSI_ACCELERATOR_MEMORY
static c10::DeviceIndex cudaIndex(const Napi::CallbackInfo& info, size_t i) {
  int64_t d = optI64(info, i).value_or(0);
  if (d < 0 || d >= static_cast<int64_t>(torch::cuda::device_count())) {
    argError(info.Env(), "no CUDA device " + std::to_string(d));
  }
  return static_cast<c10::DeviceIndex>(d);
}
static Napi::Value CudaMemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto s = at::getDeviceAllocator(at::kCUDA)->getDeviceStats(cudaIndex(info, 0));
  constexpr auto all = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  Napi::Object o = Napi::Object::New(env);
  o.Set("allocatedBytes", static_cast<double>(s.allocated_bytes[all].current));
  o.Set("peakAllocatedBytes", static_cast<double>(s.allocated_bytes[all].peak));
  o.Set("reservedBytes", static_cast<double>(s.reserved_bytes[all].current));
  o.Set("peakReservedBytes", static_cast<double>(s.reserved_bytes[all].peak));
  o.Set("activeBytes", static_cast<double>(s.active_bytes[all].current));
  o.Set("allocations", static_cast<double>(s.allocation[all].current));
  o.Set("allocRetries", static_cast<double>(s.num_alloc_retries));
  o.Set("ooms", static_cast<double>(s.num_ooms));
  return o;
}
static Napi::Value CudaEmptyCache(const Napi::CallbackInfo& info) {
  at::getDeviceAllocator(at::kCUDA)->emptyCache();
  return info.Env().Undefined();
}
static Napi::Value CudaResetPeakStats(const Napi::CallbackInfo& info) {
  at::getDeviceAllocator(at::kCUDA)->resetPeakStats(cudaIndex(info, 0));
  return info.Env().Undefined();
}
#else
static Napi::Value CudaMemoryUnsupported(const Napi::CallbackInfo& info) {
  throwTorch(info.Env(), std::string("CUDA memory statistics need libtorch 2.9 or later; this is ") + TORCH_VERSION,
             "E_DEVICE");
}
#define CudaMemoryStats CudaMemoryUnsupported
#define CudaEmptyCache CudaMemoryUnsupported
#define CudaResetPeakStats CudaMemoryUnsupported
#endif

// Build and runtime facts for `dsi doctor`.
static Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", TORCH_VERSION);
  o.Set("config", at::show_config());
  o.Set("parallel", at::get_parallel_info());
  o.Set("mkl", at::hasMKL());
  o.Set("mkldnn", at::hasMKLDNN());
  o.Set("openmp", at::hasOpenMP());
  o.Set("cudaBuilt", at::hasCUDA());
  o.Set("cxx11Abi", static_cast<bool>(_GLIBCXX_USE_CXX11_ABI));
  return o;
}

static Napi::Value Memory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Counters& c = *instance(env).counters;
  Napi::Object o = Napi::Object::New(env);
  o.Set("tensors", static_cast<double>(c.liveTensors));
  o.Set("bytes", static_cast<double>(c.bytes));
  o.Set("storages", static_cast<double>(c.storages.size()));
  return o;
}

// externalMemory() → V8's external-memory count (bytes), after reporting what the garbage
// collector's finalisers freed since the last report. Tests use it to check that every byte the
// addon adds to V8's count it also takes back.
static Napi::Value ExternalMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Counters& c = *instance(env).counters;
  int64_t value = 0;
  napi_adjust_external_memory(env, -c.externalPendingRelease, &value);
  c.externalPendingRelease = 0;
  return Napi::Number::New(env, static_cast<double>(value));
}

void registerRuntime(Napi::Env env, Napi::Object exports) {
  def<ManualSeed>(env, exports, "manualSeed");
  def<GetRngState>(env, exports, "getRngState");
  def<SetRngState>(env, exports, "setRngState");
  def<InitialSeed>(env, exports, "initialSeed");
  def<SetNumThreads>(env, exports, "setNumThreads");
  def<GetNumThreads>(env, exports, "getNumThreads");
  def<CudaIsAvailable>(env, exports, "cudaIsAvailable");
  def<CudaDeviceCount>(env, exports, "cudaDeviceCount");
  def<CudaSynchronize>(env, exports, "cudaSynchronize");
  def<CudaMemoryStats>(env, exports, "cudaMemoryStats");
  def<CudaEmptyCache>(env, exports, "cudaEmptyCache");
  def<CudaResetPeakStats>(env, exports, "cudaResetPeakStats");
  def<BuildInfo>(env, exports, "buildInfo");
  def<Memory>(env, exports, "memory");
  def<ExternalMemory>(env, exports, "externalMemory");
}

}  // namespace dsi
