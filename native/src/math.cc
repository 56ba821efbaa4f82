// Element-wise arithmetic, comparisons, activations and in-place updates. A second operand may be
// a tensor or a number.
#include "common.h"

namespace dsi {

#define UNARY(Name, expr)                                       \
  static Napi::Value Name(const Napi::CallbackInfo& info) {     \
    at::Tensor& x = T(info, 0);                                  \
    return wrap(info.Env(), expr);                               \
  }

UNARY(Neg, x.neg())
UNARY(Abs, x.abs())
UNARY(Sqrt, x.sqrt())
UNARY(Rsqrt, x.rsqrt())
UNARY(Exp, x.exp())
UNARY(Log, x.log())
UNARY(Log1p, x.log1p())
UNARY(Expm1, x.expm1())
UNARY(Sin, x.sin())
UNARY(Cos, x.cos())
UNARY(Floor, x.floor())
UNARY(Ceil, x.ceil())
UNARY(Round, x.round())
UNARY(Sign, x.sign())
UNARY(Square, x.square())
UNARY(Reciprocal, x.reciprocal())
UNARY(Erf, x.erf())
UNARY(Sigmoid, x.sigmoid())
UNARY(Tanh, x.tanh())
UNARY(Relu, x.relu())
UNARY(LogicalNot, x.logical_not())
UNARY(IsNan, x.isnan())
UNARY(IsFinite, x.isfinite())
UNARY(LogSigmoid, at::log_sigmoid(x))
UNARY(Silu, at::silu(x))


// A number beside a tensor takes part the way a Python number does in PyTorch: it does not widen
// the tensor's dtype (wrapped-number semantics).
static at::ScalarType scalarDtype(Napi::Env env, const Napi::Value& v, const at::Tensor& a) {
  at::Scalar s = scalar(env, v);
  if (s.isBoolean()) return at::kBool;
  if (s.isIntegral(false)) return at::kLong;
  return at::kDouble;
}

static at::Tensor numberTensor(Napi::Env env, const Napi::Value& v, const at::Tensor& like) {
  at::Tensor t = at::scalar_tensor(scalar(env, v), at::TensorOptions().dtype(scalarDtype(env, v, like)));
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

#define BINARY_OP(Name, fn)                                                          \
  static Napi::Value Name(const Napi::CallbackInfo& info) {                         \
    Napi::Env env = info.Env();                                                      \
    at::Tensor& a = T(info, 0);                                                      \
    if (isTensor(env, info[1])) return wrap(env, fn(a, T(info, 1)));                 \
    return wrap(env, fn(a, numberTensor(env, info[1], a)));                          \
  }

static at::Tensor mulFn(const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }
static at::Tensor divFn(const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }
static at::Tensor powFn(const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }
static at::Tensor remFn(const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }
static at::Tensor maximumFn(const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }
static at::Tensor minimumFn(const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }
static at::Tensor eqFn(const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }
static at::Tensor neFn(const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }
static at::Tensor ltFn(const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }
static at::Tensor leFn(const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }
static at::Tensor gtFn(const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }
static at::Tensor geFn(const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }
static at::Tensor andFn(const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }
static at::Tensor orFn(const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }
static at::Tensor xorFn(const at::Tensor& a, const at::Tensor& b) { return at::logical_xor(a, b); }

// add(a, b, alpha) and sub(a, b, alpha): a ± alpha·b
static Napi::Value Add(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& a = T(info, 0);
  at::Scalar alpha = info.Length() > 2 && info[2].IsNumber() ? scalar(env, info[2]) : at::Scalar(1);
  if (isTensor(env, info[1])) return wrap(env, at::add(a, T(info, 1), alpha));
  return wrap(env, at::add(a, numberTensor(env, info[1], a), alpha));
}
static Napi::Value Sub(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& a = T(info, 0);
  at::Scalar alpha = info.Length() > 2 && info[2].IsNumber() ? scalar(env, info[2]) : at::Scalar(1);
  if (isTensor(env, info[1])) return wrap(env, at::sub(a, T(info, 1), alpha));
  return wrap(env, at::sub(a, numberTensor(env, info[1], a), alpha));
}
BINARY_OP(Mul, mulFn)
BINARY_OP(Div, divFn)
BINARY_OP(Pow, powFn)
BINARY_OP(Remainder, remFn)
BINARY_OP(Maximum, maximumFn)
BINARY_OP(Minimum, minimumFn)
BINARY_OP(Eq, eqFn)
BINARY_OP(Ne, neFn)
BINARY_OP(Lt, ltFn)
BINARY_OP(Le, leFn)
BINARY_OP(Gt, gtFn)
BINARY_OP(Ge, geFn)
BINARY_OP(LogicalAnd, andFn)
BINARY_OP(LogicalOr, orFn)
BINARY_OP(LogicalXor, xorFn)

static at::Tensor operand(Napi::Env env, const Napi::Value& v, const at::Tensor& like) {
  if (isTensor(env, v)) return tensorOf(env, v);
  return numberTensor(env, v, like);
}

// where(condition, a, b): a and b may be numbers.
static Napi::Value Where(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& c = T(info, 0);
  at::Tensor like = isTensor(env, info[1]) ? tensorOf(env, info[1]) : isTensor(env, info[2]) ? tensorOf(env, info[2]) : c;
  return wrap(env, at::where(c, operand(env, info[1], like), operand(env, info[2], like)));
}

// clamp(t, min?, max?)
static Napi::Value Clamp(const Napi::CallbackInfo& info) {
  auto lo = optNum(info, 1);
  auto hi = optNum(info, 2);
  c10::optional<at::Scalar> l, h;
  if (lo) l = *lo;
  if (hi) h = *hi;
  return wrap(info.Env(), T(info, 0).clamp(l, h));
}

static Napi::Value LeakyRelu(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::leaky_relu(T(info, 0), optNum(info, 1).value_or(0.01)));
}
static Napi::Value Gelu(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::gelu(T(info, 0), flag(info, 1) ? "tanh" : "none"));
}
static Napi::Value Elu(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::elu(T(info, 0), optNum(info, 1).value_or(1.0))); }
static Napi::Value Softplus(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::softplus(T(info, 0), optNum(info, 1).value_or(1.0), optNum(info, 2).value_or(20.0)));
}
static Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::softmax(T(info, 0), i64(info, 1), optDtype(info, 2)));
}
static Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::log_softmax(T(info, 0), i64(info, 1), optDtype(info, 2)));
}
static Napi::Value Lerp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& a = T(info, 0);
  if (isTensor(env, info[2])) return wrap(env, at::lerp(a, T(info, 1), T(info, 2)));
  return wrap(env, at::lerp(a, T(info, 1), scalar(env, info[2])));
}

// In-place updates return their first argument (the same JavaScript object).

static Napi::Value AddInPlace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& a = T(info, 0);
  at::Scalar alpha = info.Length() > 2 && info[2].IsNumber() ? scalar(env, info[2]) : at::Scalar(1);
  if (isTensor(env, info[1])) a.add_(T(info, 1), alpha);
  else a.add_(scalar(env, info[1]), alpha);
  return info[0];
}
static Napi::Value SubInPlace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& a = T(info, 0);
  at::Scalar alpha = info.Length() > 2 && info[2].IsNumber() ? scalar(env, info[2]) : at::Scalar(1);
  if (isTensor(env, info[1])) a.sub_(T(info, 1), alpha);
  else a.sub_(scalar(env, info[1]), alpha);
  return info[0];
}
static Napi::Value MulInPlace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (isTensor(env, info[1])) T(info, 0).mul_(T(info, 1));
  else T(info, 0).mul_(scalar(env, info[1]));
  return info[0];
}
static Napi::Value DivInPlace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (isTensor(env, info[1])) T(info, 0).div_(T(info, 1));
  else T(info, 0).div_(scalar(env, info[1]));
  return info[0];
}
static Napi::Value CopyInPlace(const Napi::CallbackInfo& info) {
  T(info, 0).copy_(T(info, 1));
  return info[0];
}
static Napi::Value FillInPlace(const Napi::CallbackInfo& info) {
  T(info, 0).fill_(scalar(info.Env(), info[1]));
  return info[0];
}
static Napi::Value ZeroInPlace(const Napi::CallbackInfo& info) {
  T(info, 0).zero_();
  return info[0];
}
static Napi::Value UniformInPlace(const Napi::CallbackInfo& info) {
  T(info, 0).uniform_(optNum(info, 1).value_or(0.0), optNum(info, 2).value_or(1.0));
  return info[0];
}
static Napi::Value NormalInPlace(const Napi::CallbackInfo& info) {
  T(info, 0).normal_(optNum(info, 1).value_or(0.0), optNum(info, 2).value_or(1.0));
  return info[0];
}
static Napi::Value AddcmulInPlace(const Napi::CallbackInfo& info) {
  T(info, 0).addcmul_(T(info, 1), T(info, 2), optNum(info, 3).value_or(1.0));
  return info[0];
}
static Napi::Value AddcdivInPlace(const Napi::CallbackInfo& info) {
  T(info, 0).addcdiv_(T(info, 1), T(info, 2), optNum(info, 3).value_or(1.0));
  return info[0];
}
static Napi::Value ClampInPlace(const Napi::CallbackInfo& info) {
  auto lo = optNum(info, 1);
  auto hi = optNum(info, 2);
  c10::optional<at::Scalar> l, h;
  if (lo) l = *lo;
  if (hi) h = *hi;
  T(info, 0).clamp_(l, h);
  return info[0];
}
static Napi::Value LerpInPlace(const Napi::CallbackInfo& info) {
  T(info, 0).lerp_(T(info, 1), scalar(info.Env(), info[2]));
  return info[0];
}

void registerMath(Napi::Env env, Napi::Object exports) {
  def<Neg>(env, exports, "neg");
  def<Abs>(env, exports, "abs");
  def<Sqrt>(env, exports, "sqrt");
  def<Rsqrt>(env, exports, "rsqrt");
  def<Exp>(env, exports, "exp");
  def<Log>(env, exports, "log");
  def<Log1p>(env, exports, "log1p");
  def<Expm1>(env, exports, "expm1");
  def<Sin>(env, exports, "sin");
  def<Cos>(env, exports, "cos");
  def<Floor>(env, exports, "floor");
  def<Ceil>(env, exports, "ceil");
  def<Round>(env, exports, "round");
  def<Sign>(env, exports, "sign");
  def<Square>(env, exports, "square");
  def<Reciprocal>(env, exports, "reciprocal");
  def<Erf>(env, exports, "erf");
  def<Sigmoid>(env, exports, "sigmoid");
  def<Tanh>(env, exports, "tanh");
  def<Relu>(env, exports, "relu");
  def<LogicalNot>(env, exports, "logicalNot");
  def<IsNan>(env, exports, "isnan");
  def<IsFinite>(env, exports, "isfinite");
  def<LogSigmoid>(env, exports, "logSigmoid");
  def<Silu>(env, exports, "silu");
  def<Add>(env, exports, "add");
  def<Sub>(env, exports, "sub");
  def<Mul>(env, exports, "mul");
  def<Div>(env, exports, "div");
  def<Pow>(env, exports, "pow");
  def<Remainder>(env, exports, "remainder");
  def<Maximum>(env, exports, "maximum");
  def<Minimum>(env, exports, "minimum");
  def<Eq>(env, exports, "eq");
  def<Ne>(env, exports, "ne");
  def<Lt>(env, exports, "lt");
  def<Le>(env, exports, "le");
  def<Gt>(env, exports, "gt");
  def<Ge>(env, exports, "ge");
  def<LogicalAnd>(env, exports, "logicalAnd");
  def<LogicalOr>(env, exports, "logicalOr");
  def<LogicalXor>(env, exports, "logicalXor");
  def<Where>(env, exports, "where");
  def<Clamp>(env, exports, "clamp");
  def<LeakyRelu>(env, exports, "leakyRelu");
  def<Gelu>(env, exports, "gelu");
  def<Elu>(env, exports, "elu");
  def<Softplus>(env, exports, "softplus");
  def<Softmax>(env, exports, "softmax");
  def<LogSoftmax>(env, exports, "logSoftmax");
  def<Lerp>(env, exports, "lerp");
  def<AddInPlace>(env, exports, "add_");
  def<SubInPlace>(env, exports, "sub_");
  def<MulInPlace>(env, exports, "mul_");
  def<DivInPlace>(env, exports, "div_");
  def<CopyInPlace>(env, exports, "copy_");
  def<FillInPlace>(env, exports, "fill_");
  def<ZeroInPlace>(env, exports, "zero_");
  def<UniformInPlace>(env, exports, "uniform_");
  def<NormalInPlace>(env, exports, "normal_");
  def<AddcmulInPlace>(env, exports, "addcmul_");
  def<AddcdivInPlace>(env, exports, "addcdiv_");
  def<ClampInPlace>(env, exports, "clamp_");
  def<LerpInPlace>(env, exports, "lerp_");
}

}  // namespace dsi
