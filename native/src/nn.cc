// Neural-network functions and losses. Reduction codes follow at::Reduction: 0 none, 1 mean, 2 sum.
#include "common.h"

namespace dsi {

static Napi::Value Matmul(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::matmul(T(info, 0), T(info, 1))); }
static Napi::Value Linear(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::linear(T(info, 0), T(info, 1), optT(info, 2))); }
// conv2d(x, w, b?, stride, padding, dilation, groups)
static Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::conv2d(T(info, 0), T(info, 1), optT(info, 2), ints(info, 3), ints(info, 4), ints(info, 5),
                                     i64(info, 6)));
}
// convTranspose2d(x, w, b?, stride, padding, outputPadding, groups, dilation)
static Napi::Value ConvTranspose2d(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::conv_transpose2d(T(info, 0), T(info, 1), optT(info, 2), ints(info, 3), ints(info, 4),
                                               ints(info, 5), i64(info, 6), ints(info, 7)));
}
// maxPool2d(x, kernel, stride, padding, dilation, ceilMode)
static Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::max_pool2d(T(info, 0), ints(info, 1), ints(info, 2), ints(info, 3), ints(info, 4), flag(info, 5)));
}
// avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad)
static Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::avg_pool2d(T(info, 0), ints(info, 1), ints(info, 2), ints(info, 3), flag(info, 4), flag(info, 5, true)));
}
static Napi::Value AdaptiveAvgPool2d(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::adaptive_avg_pool2d(T(info, 0), ints(info, 1)));
}
// interpolate(x, size, mode, alignCorners, antialias): mode 'nearest' | 'bilinear' | 'bicubic' | 'area'
static Napi::Value Interpolate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& x = T(info, 0);
  std::vector<int64_t> size = ints(info, 1);
  std::string mode = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "nearest";
  bool alignCorners = flag(info, 3);
  bool antialias = flag(info, 4);
  if (x.dim() != 4 || size.size() != 2) argError(env, "interpolate expects an N×C×H×W tensor and a size [h, w]");
  if (mode == "nearest") return wrap(env, at::upsample_nearest2d(x, size));
  if (mode == "bilinear") {
    if (antialias) return wrap(env, at::_upsample_bilinear2d_aa(x, size, alignCorners));
    return wrap(env, at::upsample_bilinear2d(x, size, alignCorners));
  }
  if (mode == "bicubic") {
    if (antialias) return wrap(env, at::_upsample_bicubic2d_aa(x, size, alignCorners));
    return wrap(env, at::upsample_bicubic2d(x, size, alignCorners));
  }
  if (mode == "area") return wrap(env, at::adaptive_avg_pool2d(x, size));
  argError(env, "unknown interpolation mode '" + mode + "' (nearest, bilinear, bicubic, area)");
}
// batchNorm(x, weight?, bias?, runningMean?, runningVar?, training, momentum, eps)
static Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::batch_norm(T(info, 0), optT(info, 1), optT(info, 2), optT(info, 3), optT(info, 4), flag(info, 5),
                                         num(info, 6), num(info, 7), at::globalContext().userEnabledCuDNN()));
}
// layerNorm(x, normalizedShape, weight?, bias?, eps)
static Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::layer_norm(T(info, 0), ints(info, 1), optT(info, 2), optT(info, 3), num(info, 4)));
}
static Napi::Value Dropout(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::dropout(T(info, 0), num(info, 1), flag(info, 2)));
}
static Napi::Value Embedding(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::embedding(T(info, 0), T(info, 1))); }
static Napi::Value OneHot(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::one_hot(T(info, 0), optI64(info, 1).value_or(-1)));
}
// pad(x, pads, value): constant padding, pads as in PyTorch's F.pad (last dimension first).
static Napi::Value Pad(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::constant_pad_nd(T(info, 0), ints(info, 1), optNum(info, 2).value_or(0.0)));
}

static int64_t reduction(const Napi::CallbackInfo& info, size_t i) {
  int64_t r = optI64(info, i).value_or(at::Reduction::Mean);
  if (r < 0 || r > 2) argError(info.Env(), "reduction must be 'none', 'mean' or 'sum'");
  return r;
}

static Napi::Value MseLoss(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::mse_loss(T(info, 0), T(info, 1), reduction(info, 2)));
}
static Napi::Value L1Loss(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::l1_loss(T(info, 0), T(info, 1), reduction(info, 2)));
}
// bce(input, target, weight?, reduction)
static Napi::Value Bce(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::binary_cross_entropy(T(info, 0), T(info, 1), optT(info, 2), reduction(info, 3)));
}
// bceWithLogits(input, target, weight?, posWeight?, reduction)
static Napi::Value BceWithLogits(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::binary_cross_entropy_with_logits(T(info, 0), T(info, 1), optT(info, 2), optT(info, 3),
                                                               reduction(info, 4)));
}
// crossEntropy(input, target, weight?, reduction, ignoreIndex, labelSmoothing)
static Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::cross_entropy_loss(T(info, 0), T(info, 1), optT(info, 2), reduction(info, 3),
                                                 optI64(info, 4).value_or(-100), optNum(info, 5).value_or(0.0)));
}
// nll(input, target, weight?, reduction, ignoreIndex)
static Napi::Value NllLoss(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::nll_loss_nd(T(info, 0), T(info, 1), optT(info, 2), reduction(info, 3), optI64(info, 4).value_or(-100)));
}

void registerNN(Napi::Env env, Napi::Object exports) {
  def<Matmul>(env, exports, "matmul");
  def<Linear>(env, exports, "linear");
  def<Conv2d>(env, exports, "conv2d");
  def<ConvTranspose2d>(env, exports, "convTranspose2d");
  def<MaxPool2d>(env, exports, "maxPool2d");
  def<AvgPool2d>(env, exports, "avgPool2d");
  def<AdaptiveAvgPool2d>(env, exports, "adaptiveAvgPool2d");
  def<Interpolate>(env, exports, "interpolate");
  def<BatchNorm>(env, exports, "batchNorm");
  def<LayerNorm>(env, exports, "layerNorm");
  def<Dropout>(env, exports, "dropout");
  def<Embedding>(env, exports, "embedding");
  def<OneHot>(env, exports, "oneHot");
  def<Pad>(env, exports, "pad");
  def<MseLoss>(env, exports, "mseLoss");
  def<L1Loss>(env, exports, "l1Loss");
  def<Bce>(env, exports, "bce");
  def<BceWithLogits>(env, exports, "bceWithLogits");
  def<CrossEntropy>(env, exports, "crossEntropy");
  def<NllLoss>(env, exports, "nllLoss");
}

}  // namespace dsi
