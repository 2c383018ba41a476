//===- ResizeOp.cpp - ONNX Resize and Upsample to mithril.interpolate -----===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Resize (opset 10 on) and Upsample (before) with nearest or linear modes,
// scales or sizes known at import time, static spatial dims, and N and C
// kept. Opset 10's Resize and Upsample map coordinates asymmetrically and
// round nearest down; from opset 11 the attributes say.
//
//===----------------------------------------------------------------------===//

#include "NodeImport.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

/// The scales of Upsample and opset-10 Resize: an attribute before opset 9,
/// then input 1.
FailureOr<SmallVector<double>> legacyScales(NodeImport &node) {
  if (node.type() == "Upsample" && node.opset() < 9) {
    SmallVector<double> scales;
    for (float scale : node.attributes.reals("scales"))
      scales.push_back(scale);
    return scales;
  }
  return node.constantReals(1, "scales");
}

LogicalResult convertResize(NodeImport &node) {
  bool modern = node.type() == "Resize" && node.opset() >= 11;
  SmallVector<StringRef> known{"mode"};
  if (modern)
    known.append({"coordinate_transformation_mode", "cubic_coeff_a",
                  "exclude_outside", "extrapolation_value", "nearest_mode"});
  else if (node.type() == "Upsample")
    known.push_back("scales");
  if (failed(node.checkAttributes(known)))
    return failure();
  std::string mode = node.attributes.text("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    return node.refuse("mode '" + mode + "' is not supported");
  std::string coordinates =
      modern
          ? node.attributes.text("coordinate_transformation_mode", "half_pixel")
          : "asymmetric";
  std::string nearestMode =
      modern ? node.attributes.text("nearest_mode", "round_prefer_floor")
             : "floor";
  if (!llvm::is_contained(
          {"half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners"},
          coordinates))
    return node.refuse("coordinate_transformation_mode '" + coordinates +
                       "' is not supported");
  if (modern && mode == "linear" &&
      node.attributes.integer("exclude_outside", 0) != 0)
    return node.refuse("exclude_outside is not supported");
  Value input = node.input(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  if (rank < 3 || ShapedType::isDynamicShape(type.getShape().drop_front(2)))
    return node.refuse("only [N, C, spatial...] inputs with static spatial "
                       "dims are supported");

  // Scales (when given and not empty), else sizes.
  SmallVector<double> scales;
  SmallVector<int64_t> sizes;
  if (!modern) {
    FailureOr<SmallVector<double>> given = legacyScales(node);
    if (failed(given))
      return failure();
    scales = *given;
  } else {
    if (node.has(2) && node.inputType(2).getNumElements() != 0) {
      FailureOr<SmallVector<double>> given = node.constantReals(2, "scales");
      if (failed(given))
        return failure();
      scales = *given;
    }
    if (scales.empty()) {
      FailureOr<SmallVector<int64_t>> given = node.constantInts(3, "sizes");
      if (failed(given))
        return failure();
      sizes = *given;
    }
  }
  if (!scales.empty()) {
    if (int64_t(scales.size()) != rank)
      return node.refuse("scales must have one entry per dim");
    for (int64_t dim = 2; dim < rank; ++dim)
      sizes.push_back(int64_t(std::floor(type.getDimSize(dim) * scales[dim])));
    sizes.insert(sizes.begin(), {1, 1});
  } else {
    if (int64_t(sizes.size()) != rank)
      return node.refuse("sizes must have one entry per dim");
    scales.assign(rank, 1.0);
    for (int64_t dim = 2; dim < rank; ++dim)
      scales[dim] = double(sizes[dim]) / double(type.getDimSize(dim));
    scales[0] = scales[1] = 1.0;
    if ((!type.isDynamicDim(0) && sizes[0] != type.getDimSize(0)) ||
        (!type.isDynamicDim(1) && sizes[1] != type.getDimSize(1)))
      return node.refuse("resizing N or C is not supported");
  }
  if (scales[0] != 1.0 || scales[1] != 1.0)
    return node.refuse("resizing N or C is not supported");
  if (llvm::any_of(ArrayRef(sizes).drop_front(2),
                   [](int64_t size) { return size < 1; }))
    return node.refuse("an output size below 1");
  if (mode == "linear" && rank > 4)
    return node.refuse("linear resizing of more than two spatial dims is "
                       "not supported");
  return node.setOutput(node.build<InterpolateOp>(
      input, ArrayRef(sizes).drop_front(2), ArrayRef(scales).drop_front(2),
      mode, coordinates, nearestMode));
}

} // namespace

void mlir::mithril::onnx_import::addResizeConverters(ConverterTable &table) {
  table["Resize"] = convertResize;
  table["Upsample"] = convertResize;
}
