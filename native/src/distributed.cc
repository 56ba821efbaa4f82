// c10d from libtorch: key-value stores for rendezvous (TCPStore, FileStore) and process groups
// (Gloo; NCCL in a CUDA build) with the collectives data-parallel training needs.
//
// What it guarantees:
// - Every collective waits on its Work (`work->wait(timeout)`), so a call returns when the
//   operation is complete on this rank and its tensors hold the result.
// - Any failure inside c10d or Gloo (a peer that died, a timeout, a store that cannot be reached)
//   becomes a TorchError with code E_DISTRIBUTED whose message names the operation, this rank,
//   the world size and the timeout; libtorch's full text is in `detail`.
// - Stores and groups are opaque handles (Napi::External). `groupDestroy` frees a group at once
//   and is idempotent; a handle the garbage collector takes frees what is left.
//
// The calls are synchronous, like the rest of the addon: a collective blocks the calling
// JavaScript thread until every rank has taken part. Run ranks in separate processes (or
// Workers), never two ranks of one group on one thread.
#include "common.h"
#include "distributed.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef DSI_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <string>
#include <vector>

namespace dsi {

// Shared with reducer.cc (declared in distributed.h) ------------------------------------------

std::string describe(const std::exception& e) {
  if (auto* ce = dynamic_cast<const c10::Error*>(&e)) return ce->what_without_backtrace();
  return e.what();
}

GroupBox& groupOf(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsExternal()) argError(info.Env(), argName(info, i) + ": expected a process group handle");
  GroupBox* box = v.As<Napi::External<GroupBox>>().Data();
  if (!box->backend) throwTorch(info.Env(), "the process group was destroyed", "E_DISTRIBUTED");
  return *box;
}

// "allReduce on rank 1 of 2 (gloo, timeout 3000 ms)"
std::string where(const GroupBox& g, const std::string& op) {
  return op + " on rank " + std::to_string(g.rank) + " of " + std::to_string(g.size) + " (" + g.name +
         ", timeout " + std::to_string(g.timeout.count()) + " ms)";
}

void waitFor(const GroupBox& g, const c10::intrusive_ptr<c10d::Work>& work) {
  if (!work->wait(g.timeout)) throw std::runtime_error("timed out");
}

namespace {

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
  std::string kind;  // "tcp" or "file", for messages
  int64_t groups = 0;  // groups made on this store: each gets its own key prefix
};


StoreBox& storeOf(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsExternal()) argError(info.Env(), argName(info, i) + ": expected a store handle");
  StoreBox* box = v.As<Napi::External<StoreBox>>().Data();
  if (!box->store) throwTorch(info.Env(), "the store was closed", "E_DISTRIBUTED");
  return *box;
}

std::string str(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) argError(info.Env(), argName(info, i) + ": expected a string");
  return info[i].As<Napi::String>().Utf8Value();
}

std::chrono::milliseconds millis(const Napi::CallbackInfo& info, size_t i) {
  return std::chrono::milliseconds(i64(info, i));
}

Napi::Value wrapStore(Napi::Env env, c10::intrusive_ptr<c10d::Store> store, const char* kind) {
  auto* box = new StoreBox{std::move(store), kind, 0};
  return Napi::External<StoreBox>::New(env, box, [](Napi::Env, StoreBox* b) { delete b; });
}

Napi::Value wrapGroup(Napi::Env env, GroupBox g) {
  auto* box = new GroupBox(std::move(g));
  return Napi::External<GroupBox>::New(env, box, [](Napi::Env, GroupBox* b) { delete b; });
}

c10d::ReduceOp reduceOp(const Napi::CallbackInfo& info, size_t i) {
  std::string op = str(info, i);
  if (op == "sum") return c10d::ReduceOp::SUM;
  if (op == "avg") return c10d::ReduceOp::AVG;
  if (op == "product") return c10d::ReduceOp::PRODUCT;
  if (op == "min") return c10d::ReduceOp::MIN;
  if (op == "max") return c10d::ReduceOp::MAX;
  argError(info.Env(), argName(info, i) + ": unknown reduce op '" + op + "' (sum, avg, product, min, max)");
}

}  // namespace

// Stores -------------------------------------------------------------------------------------

// storeTcp(host, port, isServer, worldSize, timeoutMs, waitWorkers): port 0 on the server picks
// a free one (storePort reads it); worldSize < 0 leaves the number of workers open.
static Napi::Value StoreTcp(const Napi::CallbackInfo& info) {
  std::string host = str(info, 0);
  int64_t port = i64(info, 1);
  if (port < 0 || port > 65535) argError(info.Env(), argName(info, 1) + " (port): expected 0..65535");
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<uint16_t>(port);
  opts.isServer = flag(info, 2);
  int64_t world = i64(info, 3);
  if (world >= 0) opts.numWorkers = static_cast<size_t>(world);
  opts.timeout = millis(info, 4);
  opts.waitWorkers = flag(info, 5);
  std::string what = std::string("TCPStore ") + (opts.isServer ? "server" : "client") + " at " + host + ":" +
                     std::to_string(port) + " (timeout " + std::to_string(opts.timeout.count()) + " ms)";
  auto store = distributed(info.Env(), what, [&] { return c10::make_intrusive<c10d::TCPStore>(host, opts); });
  return wrapStore(info.Env(), store, "tcp");
}

// storeFile(path, worldSize)
static Napi::Value StoreFile(const Napi::CallbackInfo& info) {
  std::string path = str(info, 0);
  int64_t world = i64(info, 1);
  auto store = distributed(info.Env(), "FileStore at " + path,
                           [&] { return c10::make_intrusive<c10d::FileStore>(path, static_cast<int>(world)); });
  return wrapStore(info.Env(), store, "file");
}

// storePort(store): the TCPStore's port (the one picked when 0 was asked), -1 for other stores.
static Napi::Value StorePort(const Napi::CallbackInfo& info) {
  StoreBox& s = storeOf(info, 0);
  auto* tcp = dynamic_cast<c10d::TCPStore*>(s.store.get());
  return Napi::Number::New(info.Env(), tcp ? static_cast<double>(tcp->getPort()) : -1.0);
}

// storeSet(store, key, value): value is a string (UTF-8) or a Uint8Array.
static Napi::Value StoreSet(const Napi::CallbackInfo& info) {
  StoreBox& s = storeOf(info, 0);
  std::string key = str(info, 1);
  std::vector<uint8_t> value;
  if (info[2].IsString()) {
    std::string text = info[2].As<Napi::String>().Utf8Value();
    value.assign(text.begin(), text.end());
  } else if (info[2].IsTypedArray() && info[2].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto bytes = info[2].As<Napi::Uint8Array>();
    value.assign(bytes.Data(), bytes.Data() + bytes.ElementLength());
  } else {
    argError(info.Env(), argName(info, 2) + " (value): expected a string or a Uint8Array");
  }
  distributed(info.Env(), s.kind + " store set('" + key + "')", [&] { s.store->set(key, value); });
  return info.Env().Undefined();
}

// storeGet(store, key): the value's bytes; waits for the key up to the store's timeout.
static Napi::Value StoreGet(const Napi::CallbackInfo& info) {
  StoreBox& s = storeOf(info, 0);
  std::string key = str(info, 1);
  auto value = distributed(info.Env(), s.kind + " store get('" + key + "') (timeout " +
                                           std::to_string(s.store->getTimeout().count()) + " ms)",
                           [&] { return s.store->get(key); });
  return Napi::Buffer<uint8_t>::Copy(info.Env(), value.data(), value.size());
}

// storeAdd(store, key, amount): adds to the counter under key and returns its new value.
static Napi::Value StoreAdd(const Napi::CallbackInfo& info) {
  StoreBox& s = storeOf(info, 0);
  std::string key = str(info, 1);
  int64_t amount = i64(info, 2);
  int64_t value = distributed(info.Env(), s.kind + " store add('" + key + "')", [&] { return s.store->add(key, amount); });
  return Napi::Number::New(info.Env(), static_cast<double>(value));
}

// storeWait(store, keys, timeoutMs): returns when every key is set; fails after the timeout.
static Napi::Value StoreWait(const Napi::CallbackInfo& info) {
  StoreBox& s = storeOf(info, 0);
  if (!info[1].IsArray()) argError(info.Env(), argName(info, 1) + " (keys): expected an array of strings");
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<std::string> keys;
  for (uint32_t k = 0; k < list.Length(); k++) {
    Napi::Value key = list.Get(k);
    if (!key.IsString()) argError(info.Env(), argName(info, 1) + " (keys): expected an array of strings");
    keys.push_back(key.As<Napi::String>().Utf8Value());
  }
  auto timeout = millis(info, 2);
  distributed(info.Env(), s.kind + " store wait (timeout " + std::to_string(timeout.count()) + " ms)",
              [&] { s.store->wait(keys, timeout); });
  return info.Env().Undefined();
}

// storeClose(store): releases this handle's store (a TCPStore server stops once no group holds
// it either). Idempotent.
static Napi::Value StoreClose(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) argError(info.Env(), argName(info, 0) + ": expected a store handle");
  info[0].As<Napi::External<StoreBox>>().Data()->store.reset();
  return info.Env().Undefined();
}

// Process groups -----------------------------------------------------------------------------

// processGroupGloo(store, rank, size, timeoutMs, hostname, iface): the device is made as
// PyTorch makes it: for a network interface when iface is given (GLOO_SOCKET_IFNAME), else for a
// hostname or address when hostname is given, else the default (this machine's hostname,
// falling back to the loopback address).
static Napi::Value ProcessGroupGloo(const Napi::CallbackInfo& info) {
  StoreBox& s = storeOf(info, 0);
  GroupBox g;
  g.rank = static_cast<int>(i64(info, 1));
  g.size = static_cast<int>(i64(info, 2));
  g.timeout = millis(info, 3);
  g.name = "gloo";
  std::string hostname = str(info, 4);
  std::string iface = str(info, 5);
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("group/" + std::to_string(s.groups++), s.store);
  g.backend = distributed(info.Env(), where(g, "initProcessGroup"), [&]() -> c10::intrusive_ptr<c10d::Backend> {
    auto opts = c10d::ProcessGroupGloo::Options::create(g.timeout);
    if (!iface.empty()) {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
    } else if (!hostname.empty()) {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
    } else {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    return c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, g.rank, g.size, opts);
  });
  return wrapGroup(info.Env(), std::move(g));
}

// processGroupNccl(store, rank, size, timeoutMs): only in an addon built against a CUDA libtorch
// (DSI_WITH_NCCL); elsewhere it fails with E_DISTRIBUTED saying so.
static Napi::Value ProcessGroupNccl(const Napi::CallbackInfo& info) {
  StoreBox& s = storeOf(info, 0);
  GroupBox g;
  g.rank = static_cast<int>(i64(info, 1));
  g.size = static_cast<int>(i64(info, 2));
  g.timeout = millis(info, 3);
  g.name = "nccl";
#ifdef DSI_WITH_NCCL
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("group/" + std::to_string(s.groups++), s.store);
  g.backend = distributed(info.Env(), where(g, "initProcessGroup"), [&]() -> c10::intrusive_ptr<c10d::Backend> {
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = g.timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, g.rank, g.size, opts);
  });
  return wrapGroup(info.Env(), std::move(g));
#else
  (void)s;
  throwTorch(info.Env(),
             "the nccl backend needs an addon built against a CUDA libtorch (this one is CPU-only): use 'gloo'",
             "E_DISTRIBUTED");
#endif
}

// groupInfo(group): { rank, size, backend, timeoutMs }.
static Napi::Value GroupInfo(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("rank", g.rank);
  out.Set("size", g.size);
  out.Set("backend", g.backend->getBackendName());
  out.Set("timeoutMs", static_cast<double>(g.timeout.count()));
  return out;
}

// groupDestroy(group): frees the group now (its threads and connections). Idempotent.
static Napi::Value GroupDestroy(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) argError(info.Env(), argName(info, 0) + ": expected a process group handle");
  info[0].As<Napi::External<GroupBox>>().Data()->backend.reset();
  return info.Env().Undefined();
}

// Collectives --------------------------------------------------------------------------------

// allReduce(group, tensor, op): in place. Gloo has no average: it sums and divides by the size.
static Napi::Value AllReduce(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  at::Tensor& t = T(info, 1);
  c10d::ReduceOp op = reduceOp(info, 2);
  bool divide = op == c10d::ReduceOp::AVG && g.name == "gloo";
  distributed(info.Env(), where(g, "allReduce"), [&] {
    std::vector<at::Tensor> tensors{t};
    c10d::AllreduceOptions opts;
    opts.reduceOp = divide ? c10d::ReduceOp(c10d::ReduceOp::SUM) : op;
    opts.timeout = g.timeout;
    waitFor(g, g.backend->allreduce(tensors, opts));
    if (divide) t.div_(g.size);
  });
  return info.Env().Undefined();
}

// broadcast(group, tensor, src): in place; every rank ends with src's values.
static Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  at::Tensor& t = T(info, 1);
  int64_t src = i64(info, 2);
  distributed(info.Env(), where(g, "broadcast"), [&] {
    std::vector<at::Tensor> tensors{t};
    c10d::BroadcastOptions opts;
    opts.rootRank = src;
    opts.timeout = g.timeout;
    waitFor(g, g.backend->broadcast(tensors, opts));
  });
  return info.Env().Undefined();
}

// allGather(group, outputs, tensor): outputs[r] receives rank r's tensor.
static Napi::Value AllGather(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  std::vector<at::Tensor> outputs = tensorList(info, 1);
  at::Tensor& t = T(info, 2);
  distributed(info.Env(), where(g, "allGather"), [&] {
    std::vector<std::vector<at::Tensor>> out{outputs};
    std::vector<at::Tensor> in{t};
    c10d::AllgatherOptions opts;
    opts.timeout = g.timeout;
    waitFor(g, g.backend->allgather(out, in, opts));
  });
  return info.Env().Undefined();
}

// allGatherInto(group, output, tensor): output (size × tensor's elements, rank-major) receives
// every rank's tensor, as all_gather_into_tensor.
static Napi::Value AllGatherInto(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  at::Tensor& out = T(info, 1);
  at::Tensor& t = T(info, 2);
  distributed(info.Env(), where(g, "allGatherIntoTensor"), [&] {
    c10d::AllgatherOptions opts;
    opts.timeout = g.timeout;
    waitFor(g, g.backend->_allgather_base(out, t, opts));
  });
  return info.Env().Undefined();
}

// reduceScatter(group, output, inputs, op): output receives the reduction of every rank's
// inputs[rank].
static Napi::Value ReduceScatter(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  at::Tensor& out = T(info, 1);
  std::vector<at::Tensor> inputs = tensorList(info, 2);
  c10d::ReduceOp op = reduceOp(info, 3);
  bool divide = op == c10d::ReduceOp::AVG && g.name == "gloo";
  distributed(info.Env(), where(g, "reduceScatter"), [&] {
    std::vector<at::Tensor> outs{out};
    std::vector<std::vector<at::Tensor>> ins{inputs};
    c10d::ReduceScatterOptions opts;
    opts.reduceOp = divide ? c10d::ReduceOp(c10d::ReduceOp::SUM) : op;
    opts.timeout = g.timeout;
    waitFor(g, g.backend->reduce_scatter(outs, ins, opts));
    if (divide) out.div_(g.size);
  });
  return info.Env().Undefined();
}

// barrier(group): returns when every rank has called it.
static Napi::Value Barrier(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  distributed(info.Env(), where(g, "barrier"), [&] {
    c10d::BarrierOptions opts;
    opts.timeout = g.timeout;
    waitFor(g, g.backend->barrier(opts));
  });
  return info.Env().Undefined();
}

void registerDistributed(Napi::Env env, Napi::Object exports) {
  def<StoreTcp>(env, exports, "storeTcp");
  def<StoreFile>(env, exports, "storeFile");
  def<StorePort>(env, exports, "storePort");
  def<StoreSet>(env, exports, "storeSet");
  def<StoreGet>(env, exports, "storeGet");
  def<StoreAdd>(env, exports, "storeAdd");
  def<StoreWait>(env, exports, "storeWait");
  def<StoreClose>(env, exports, "storeClose");
  def<ProcessGroupGloo>(env, exports, "processGroupGloo");
  def<ProcessGroupNccl>(env, exports, "processGroupNccl");
  def<GroupInfo>(env, exports, "groupInfo");
  def<GroupDestroy>(env, exports, "groupDestroy");
  def<AllReduce>(env, exports, "allReduce");
  def<Broadcast>(env, exports, "broadcast");
  def<AllGather>(env, exports, "allGather");
  def<AllGatherInto>(env, exports, "allGatherInto");
  def<ReduceScatter>(env, exports, "reduceScatter");
  def<Barrier>(env, exports, "barrier");
}

}  // namespace dsi
