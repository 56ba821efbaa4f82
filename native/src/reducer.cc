// The gradient reducer: averages parameters' gradients over a process group while the backward
// pass still runs (PyTorch DDP's Reducer, reduced to what data-parallel training here needs).
//
// How it works:
// - Parameters are grouped into buckets in reverse order (gradients arrive roughly from the last
//   layer first), up to a byte cap, one dtype and device per bucket; each bucket has one flat
//   buffer with a slot per parameter.
// - A tensor pre-hook on each parameter (on its gradient accumulator) copies the gradient into its
//   slot and marks it ready. libtorch's engine calls these hooks in both modes: before
//   AccumulateGrad in `backward`, and before capturing the gradient in `torch::autograd::grad`
//   (engine.cpp `evaluate_function`: tensor pre-hooks of a node that is not executed are called,
//   and the captured gradient is the hooks' result). A bucket whose slots are all ready launches
//   an asynchronous all-reduce (SUM), in bucket order, so every rank issues the same collectives
//   in the same order.
// - The first hook of a pass queues a final callback on the engine. At the end of the pass it
//   launches the buckets that were only partly ready (their unready slots zero; a bucket with no
//   ready slot stays out), waits for every launched all-reduce, divides by the world size and
//   writes each ready parameter's average back:
//   * capture mode (`torch.grad`): into the captured gradient itself, in place: the hook returned
//     the tensor it saw (a copy when that tensor overlaps itself, such as an expanded one);
//   * accumulate mode (`backward`): `p.grad += avg - local`, right whether AccumulateGrad took the
//     local gradient, cloned it, or added it to an earlier gradient.
//   The binding's backward and grad entry points tell the modes apart (BackwardPassScope).
//
// Guarantees: hooks and the callback never call N-API (they run inside libtorch's engine); a
// failed collective becomes ReducerError E_DISTRIBUTED, which the binding's entry point throws as
// a TorchError, and the next pass starts afresh. A pass whose gradients require grad
// (create_graph) is refused. Every rank must run the same program: the same parameters get
// gradients in the same passes (a parameter no rank uses keeps no gradient).
#include "reducer.h"

#include <algorithm>

#include "distributed.h"

#include <ATen/MemoryOverlap.h>
#include <torch/csrc/autograd/engine.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace dsi {

namespace {
std::atomic<uint64_t> passSerial{0};
thread_local BackwardPass current;
// The pass started last in the process: what a hook on another thread than the caller's (a CUDA
// device's engine thread) goes by. Right while one thread at a time runs backward passes.
std::atomic<uint64_t> lastSerial{0};
std::atomic<bool> lastCapture{false};
}  // namespace

BackwardPassScope::BackwardPassScope(bool capture) : previous_(current) {
  current = BackwardPass{++passSerial, capture};
  lastCapture = capture;
  lastSerial = current.serial;
}
BackwardPassScope::~BackwardPassScope() { current = previous_; }
BackwardPass currentBackwardPass() {
  if (current.serial != 0) return current;
  return BackwardPass{lastSerial.load(), lastCapture.load()};
}

namespace {

struct Slot {
  at::Tensor param;
  size_t bucket = 0;
  int64_t offset = 0;  // elements into the bucket's buffer
  unsigned hook = 0;
  bool ready = false;  // this pass
  at::Tensor local;    // the gradient the hook saw (this pass)
};

struct Bucket {
  at::Tensor buffer;  // flat, one slot per parameter
  std::vector<size_t> slots;
  size_t pending = 0;  // slots not ready yet (this pass)
  c10::intrusive_ptr<c10d::Work> work;  // set once launched (this pass)
};

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

class ReducerState : public std::enable_shared_from_this<ReducerState> {
 public:
  ReducerState(const GroupBox& g, std::vector<at::Tensor> params, int64_t capBytes, int64_t firstCapBytes)
      : weakBackend_(g.backend) {
    group_ = g;
    group_.backend.reset();
    slots_.resize(params.size());
    std::vector<int64_t> lengths;  // elements per bucket
    int64_t bytes = 0;
    for (size_t k = params.size(); k-- > 0;) {
      const at::Tensor& p = params[k];
      int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
      // The first bucket (the last layers' gradients, ready first) is smaller, so its all-reduce
      // starts early in the pass (DDP's first_bucket_bytes_cap).
      int64_t cap = buckets_.size() == 1 ? std::min(firstCapBytes, capBytes) : capBytes;
      bool fresh = buckets_.empty() || bytes + size > cap;
      if (!fresh) {
        const at::Tensor& first = slots_[buckets_.back().slots.front()].param;
        fresh = first.scalar_type() != p.scalar_type() || first.device() != p.device();
      }
      if (fresh) {
        buckets_.emplace_back();
        lengths.push_back(0);
        bytes = 0;
      }
      Slot& s = slots_[k];
      s.param = p;
      s.bucket = buckets_.size() - 1;
      s.offset = lengths.back();
      buckets_.back().slots.push_back(k);
      lengths.back() += p.numel();
      bytes += size;
    }
    for (size_t i = 0; i < buckets_.size(); i++) {
      const at::Tensor& first = slots_[buckets_[i].slots.front()].param;
      buckets_[i].buffer = at::zeros({lengths[i]}, first.options().requires_grad(false));
    }
  }

  ~ReducerState() { removeHooks(); }

  void registerHooks() {
    std::weak_ptr<ReducerState> self = weak_from_this();
    for (size_t k = 0; k < slots_.size(); k++) {
      slots_[k].hook = slots_[k].param.register_hook([self, k](const at::Tensor& grad) -> at::Tensor {
        auto state = self.lock();
        return state ? state->onGradient(k, grad) : grad;
      });
    }
    hooked_ = true;
  }

  void remove() {
    std::lock_guard<std::mutex> lock(mutex_);
    removeHooks();
    endPass();
    for (Bucket& b : buckets_) b.buffer = at::Tensor();
  }

  // Parameter indices per bucket, in launch order.
  std::vector<std::vector<size_t>> layout() const {
    std::vector<std::vector<size_t>> out;
    for (const Bucket& b : buckets_) out.push_back(b.slots);
    return out;
  }

 private:
  at::Tensor onGradient(size_t k, const at::Tensor& grad) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!hooked_) return grad;
    BackwardPass pass = currentBackwardPass();
    if (!active_ || pass.serial != serial_ || pass.serial == 0) beginPass(pass);
    Slot& s = slots_[k];
    if (grad.requires_grad()) {
      endPass();
      throw ReducerError(
          "the gradient reducer cannot average gradients that require grad (a backward pass with createGraph): "
          "remove it for such passes",
          "E_ARGUMENT");
    }
    if (s.ready) {
      endPass();
      throw ReducerError("the gradient reducer saw parameter " + std::to_string(k) +
                             "'s gradient twice in one backward pass",
                         "E_TORCH");
    }
    at::Tensor g = grad;
    // The average is written into the captured gradient: it must be writable element by element.
    if (capture_ && at::has_internal_overlap(g) != at::MemOverlap::No) g = g.clone(at::MemoryFormat::Contiguous);
    Bucket& b = buckets_[s.bucket];
    {
      at::NoGradGuard noGrad;
      b.buffer.narrow(0, s.offset, s.param.numel()).view(s.param.sizes()).copy_(g);
    }
    s.local = g;
    s.ready = true;
    if (--b.pending == 0) {
      while (next_ < buckets_.size() && buckets_[next_].pending == 0) launch(next_++);
    }
    return g;
  }

  void beginPass(const BackwardPass& pass) {
    endPass();  // an earlier pass that failed before its callback
    group_.backend = weakBackend_.lock();
    if (!group_.backend) {
      throw ReducerError(where(group_, "gradient reducer") + ": the process group was destroyed", "E_DISTRIBUTED");
    }
    active_ = true;
    serial_ = pass.serial;
    capture_ = pass.capture;
    next_ = 0;
    for (Bucket& b : buckets_) b.pending = b.slots.size();
    uint64_t serial = serial_;
    torch::autograd::Engine::get_default_engine().queue_callback(
        [self = shared_from_this(), serial] { self->finish(serial); });
  }

  // Forgets this pass (its gradients and collectives) and the strong hold on the group.
  void endPass() {
    active_ = false;
    for (Slot& s : slots_) {
      s.ready = false;
      s.local = at::Tensor();
    }
    for (Bucket& b : buckets_) b.work.reset();
    group_.backend.reset();
  }

  std::string bucketName(size_t i) const {
    return "allReduce of gradient bucket " + std::to_string(i + 1) + " of " + std::to_string(buckets_.size());
  }

  [[noreturn]] void fail(size_t i, const std::exception& e) {
    std::string message = where(group_, bucketName(i)) + ": " + firstLine(describe(e));
    std::string detail = e.what();
    endPass();
    throw ReducerError(message, "E_DISTRIBUTED", detail);
  }

  void launch(size_t i) {
    Bucket& b = buckets_[i];
    at::NoGradGuard noGrad;
    for (size_t k : b.slots) {
      if (!slots_[k].ready) b.buffer.narrow(0, slots_[k].offset, slots_[k].param.numel()).zero_();
    }
    try {
      std::vector<at::Tensor> tensors{b.buffer};
      c10d::AllreduceOptions opts;
      opts.reduceOp = c10d::ReduceOp::SUM;
      opts.timeout = group_.timeout;
      b.work = group_.backend->allreduce(tensors, opts);
    } catch (const std::exception& e) {
      fail(i, e);
    }
  }

  // The engine's final callback: runs once the pass's last gradient is computed.
  void finish(uint64_t serial) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!active_ || serial != serial_) return;
    if (!hooked_) return endPass();
    for (size_t i = next_; i < buckets_.size(); i++) {
      if (buckets_[i].pending < buckets_[i].slots.size()) launch(i);
    }
    next_ = buckets_.size();
    at::NoGradGuard noGrad;
    for (size_t i = 0; i < buckets_.size(); i++) {
      Bucket& b = buckets_[i];
      if (!b.work) continue;
      try {
        waitFor(group_, b.work);
      } catch (const std::exception& e) {
        fail(i, e);
      }
      b.buffer.div_(group_.size);
      for (size_t k : b.slots) {
        Slot& s = slots_[k];
        if (!s.ready) continue;
        at::Tensor avg = b.buffer.narrow(0, s.offset, s.param.numel()).view(s.param.sizes());
        if (capture_) {
          s.local.copy_(avg);
        } else {
          at::Tensor& grad = s.param.mutable_grad();
          if (grad.defined()) {
            grad.add_(avg - s.local);
          } else {
            grad = avg.clone();
          }
        }
      }
    }
    endPass();
  }

  void removeHooks() {
    if (!hooked_) return;
    for (Slot& s : slots_) s.param.remove_hook(s.hook);
    hooked_ = false;
  }

  std::mutex mutex_;
  GroupBox group_;  // its backend is held only during a pass
  c10::weak_intrusive_ptr<c10d::Backend> weakBackend_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  bool hooked_ = false;
  bool active_ = false;
  uint64_t serial_ = 0;
  bool capture_ = false;
  size_t next_ = 0;  // the next bucket to launch, in order
};

struct ReducerBox {
  std::shared_ptr<ReducerState> state;
};

ReducerBox& reducerOf(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal()) argError(info.Env(), argName(info, i) + ": expected a reducer handle");
  return *info[i].As<Napi::External<ReducerBox>>().Data();
}

}  // namespace

// reducerNew(group, params, bucketCapBytes, firstBucketCapBytes): registers the hooks; returns the
// reducer's handle.
static Napi::Value ReducerNew(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  std::vector<at::Tensor> params = tensorList(info, 1);
  int64_t cap = i64(info, 2);
  if (cap < 1) argError(info.Env(), argName(info, 2) + " (bucketCapBytes): expected a positive integer");
  int64_t firstCap = i64(info, 3);
  if (firstCap < 1) argError(info.Env(), argName(info, 3) + " (firstBucketCapBytes): expected a positive integer");
  std::unordered_set<const void*> seen;
  for (size_t k = 0; k < params.size(); k++) {
    const at::Tensor& p = params[k];
    std::string which = argName(info, 1) + " (params)[" + std::to_string(k) + "]";
    if (!p.is_leaf() || !p.requires_grad()) argError(info.Env(), which + ": expected a leaf tensor that requires grad");
    if (!at::isFloatingType(p.scalar_type())) argError(info.Env(), which + ": expected a floating-point tensor");
    if (!seen.insert(p.unsafeGetTensorImpl()).second) argError(info.Env(), which + ": the same parameter twice");
  }
  auto state = std::make_shared<ReducerState>(g, std::move(params), cap, firstCap);
  state->registerHooks();
  auto* box = new ReducerBox{std::move(state)};
  // The garbage collector's finaliser only drops C++ objects (the hooks go with the state).
  return Napi::External<ReducerBox>::New(info.Env(), box, [](Napi::Env, ReducerBox* b) {
    if (b->state) b->state->remove();
    delete b;
  });
}

// reducerBuckets(reducer): each bucket's parameter indices, in launch order.
static Napi::Value ReducerBuckets(const Napi::CallbackInfo& info) {
  ReducerBox& r = reducerOf(info, 0);
  Napi::Array out = Napi::Array::New(info.Env());
  if (!r.state) return out;
  auto layout = r.state->layout();
  for (size_t i = 0; i < layout.size(); i++) {
    Napi::Array bucket = Napi::Array::New(info.Env(), layout[i].size());
    for (size_t j = 0; j < layout[i].size(); j++) bucket.Set(static_cast<uint32_t>(j), static_cast<double>(layout[i][j]));
    out.Set(static_cast<uint32_t>(i), bucket);
  }
  return out;
}

// reducerRemove(reducer): unregisters the hooks and frees the buffers. Idempotent.
static Napi::Value ReducerRemove(const Napi::CallbackInfo& info) {
  ReducerBox& r = reducerOf(info, 0);
  if (r.state) r.state->remove();
  r.state.reset();
  return info.Env().Undefined();
}

void registerReducer(Napi::Env env, Napi::Object exports) {
  def<ReducerNew>(env, exports, "reducerNew");
  def<ReducerBuckets>(env, exports, "reducerBuckets");
  def<ReducerRemove>(env, exports, "reducerRemove");
}

}  // namespace dsi
