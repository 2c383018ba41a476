//===- OnnxFile.h - Reading ONNX model files ------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The first step of the ONNX importer (issue 8): a `.onnx` file read into
// ONNX's own ModelProto (Debian's libonnx-dev, protobuf 3.21), checked for
// what the importer relies on, every problem one diagnostic naming the file.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_FRONTEND_ONNX_ONNXFILE_H
#define MITHRIL_LIB_FRONTEND_ONNX_ONNXFILE_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mithril {

/// The opset of the default ONNX domain ("" or "ai.onnx") that `model`
/// imports; none if it imports none.
std::optional<int64_t> defaultOpset(const onnx::ModelProto &model);

/// Parses `bytes` (the contents of `path`) as a ModelProto and checks it:
/// a graph, an opset of the default domain, named graph inputs and outputs,
/// and an op type on every node. Each problem is reported at `path`
/// through `emitError`; failure if there was any. Malformed bytes (a
/// truncated or foreign file) are an error, never a crash.
FailureOr<onnx::ModelProto>
parseOnnxModel(StringRef bytes, StringRef path,
               function_ref<InFlightDiagnostic()> emitError);

/// The bytes per element of ONNX data type `dataType` (bool takes one);
/// 0 for a type the importer does not read.
int64_t onnxElementSize(int32_t dataType);

/// The data of `tensor` as little-endian bytes, read from its raw data, its
/// typed fields or, for external data, its file relative to `modelDir`;
/// a diagnostic where it has no `count` elements of its type.
FailureOr<std::string>
readTensorBytes(const onnx::TensorProto &tensor, int64_t count,
                StringRef modelDir,
                function_ref<InFlightDiagnostic()> emitError);

/// Whether initializer `tensor` is a parameter of the model (a weight:
/// floating-point, more than one element) rather than a constant.
bool isParameter(const onnx::TensorProto &tensor);

/// The parameter name of each initializer (empty for constants): its ONNX
/// name made dot-separated C identifiers (`onnx::Conv_193` becomes
/// `onnx__Conv_193`), unique.
std::vector<std::string> parameterNames(const onnx::GraphProto &graph);

} // namespace mlir::mithril

#endif // MITHRIL_LIB_FRONTEND_ONNX_ONNXFILE_H
