// Differentiable collectives (PyTorch's torch.distributed.nn.functional): an all-reduce that is a
// node of the autograd graph, for computations whose result depends on every rank's tensors
// (synchronised batch norm's statistics).
//
// allReduceAutograd(group, x, op) returns a new tensor: the sum (or average) of every rank's x.
// Its backward is the same all-reduce of the incoming gradients: with y = Σ_r x_r on every rank
// and a loss L = Σ_r L_r of every rank's own loss, ∂L/∂x_r = Σ_r' ∂L_r'/∂y, the sum over ranks of
// each rank's gradient of y (the average's backward averages them). The backward is itself this
// function, so a second derivative is right too.
//
// Every rank must run the forward and the backward of the same nodes in the same order, as for
// any collective: the same model on every rank gives the same graph, and libtorch's engine runs
// a graph's nodes in a fixed order. A failure in the forward throws E_DISTRIBUTED; one in the
// backward surfaces from `backward()` with the same message (naming the operation, the rank and
// the timeout), under the code the autograd call gives its errors.
#include "distributed.h"
#include "reducer.h"

#include <torch/csrc/autograd/custom_function.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace dsi {

namespace {

// What the backward needs of the group; the graph holds it, so a group destroyed from JavaScript
// between forward and backward fails the backward cleanly instead of reading freed memory.
struct GroupRef : torch::CustomClassHolder {
  GroupBox group;
  bool average = false;
};

at::Tensor reduced(const GroupRef& ref, const at::Tensor& x) {
  const GroupBox& g = ref.group;
  at::Tensor out = x.clone(at::MemoryFormat::Contiguous);
  // Gloo has no average: sum, then divide (as distributed.cc's allReduce).
  bool divide = ref.average && g.name == "gloo";
  std::vector<at::Tensor> tensors{out};
  c10d::AllreduceOptions opts;
  opts.reduceOp = ref.average && !divide ? c10d::ReduceOp(c10d::ReduceOp::AVG) : c10d::ReduceOp(c10d::ReduceOp::SUM);
  opts.timeout = g.timeout;
  waitFor(g, g.backend->allreduce(tensors, opts));
  if (divide) out.div_(g.size);
  return out;
}

struct AllReduceFunction : public torch::autograd::Function<AllReduceFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, c10::intrusive_ptr<GroupRef> ref) {
    ctx->saved_data["group"] = at::IValue::make_capsule(ref);
    return reduced(*ref, x);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    auto ref = c10::static_intrusive_pointer_cast<GroupRef>(ctx->saved_data["group"].toCapsule());
    try {
      return {AllReduceFunction::apply(grads[0], ref), at::Tensor()};
    } catch (const std::exception& e) {
      std::string message = describe(e);
      // Carried out of backward/grad unchanged and turned into E_DISTRIBUTED there (autograd.cc).
      throw ReducerError(where(ref->group, "allReduce (backward of the differentiable all-reduce)") + ": " +
                             message.substr(0, message.find('\n')),
                         "E_DISTRIBUTED", e.what());
    }
  }
};

}  // namespace

// allReduceAutograd(group, x, op): op 'sum' or 'avg'; a new tensor, differentiable.
static Napi::Value AllReduceAutograd(const Napi::CallbackInfo& info) {
  GroupBox& g = groupOf(info, 0);
  at::Tensor& x = T(info, 1);
  if (!info[2].IsString()) argError(info.Env(), argName(info, 2) + " (op): expected 'sum' or 'avg'");
  std::string op = info[2].As<Napi::String>().Utf8Value();
  if (op != "sum" && op != "avg") argError(info.Env(), argName(info, 2) + ": the differentiable all-reduce takes 'sum' or 'avg', got '" + op + "'");
  auto ref = c10::make_intrusive<GroupRef>();
  ref->group = g;
  ref->average = op == "avg";
  at::Tensor out = distributed(info.Env(), where(g, "allReduce (differentiable)"), [&] { return AllReduceFunction::apply(x, ref); });
  return wrap(info.Env(), out);
}

void registerDistributedAutograd(Napi::Env env, Napi::Object exports) {
  def<AllReduceAutograd>(env, exports, "allReduceAutograd");
}

}  // namespace dsi
