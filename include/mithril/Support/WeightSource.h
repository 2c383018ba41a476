//===- WeightSource.h - Where parameter values come from --------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The values of a library's parameters come from a weights file, an ONNX
// model's initializers, or PyTorch's default initialisers drawn at random.
// Each frontend implements this interface for its formats; the code that
// embeds weights in a library or writes them beside it reads through it, so
// no target depends on a frontend.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_SUPPORT_WEIGHTSOURCE_H
#define MITHRIL_SUPPORT_WEIGHTSOURCE_H

#include "mithril/runtime/Signature.h"

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>

namespace mlir::mithril {

/// The values of parameters, by name.
class WeightSource {
public:
  virtual ~WeightSource() = default;

  /// The bytes of `parameter` (named, typed and shaped as the library's
  /// signature has it), valid while the source lives. Fails, after a
  /// diagnostic at `loc` that names the parameter, where the source has no
  /// value of that name, dtype and shape.
  virtual FailureOr<ArrayRef<uint8_t>>
  read(const ::mithril::runtime::Port &parameter, Location loc) = 0;

  /// The dtype the source holds `name` in, if it holds it and can tell
  /// (an int8 weight may come quantized or in f32).
  virtual std::optional<::mithril::runtime::DType> dtypeOf(StringRef name) {
    return std::nullopt;
  }
};

} // namespace mlir::mithril

#endif // MITHRIL_SUPPORT_WEIGHTSOURCE_H
