//===- Signature.h - A compiled library's entries and ports -----*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The entries of a compiled library and their ports, and the JSON that
// mlc-compile embeds in every library. The compiler builds and prints it;
// the runtime reads it. Reading checks everything the runtime later relies
// on (known dtypes, ranks within MITHRIL_MAX_RANK, dims >= 0 or dynamic), so
// a damaged library is refused at load time instead of misread at run time.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_SIGNATURE_H
#define MITHRIL_RUNTIME_SIGNATURE_H

#include "mithril/runtime/DType.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mithril::runtime {

/// One input, output or parameter.
struct Port {
  std::string name;
  DType dtype = DType::F32;
  /// -1 for a dynamic dim.
  std::vector<int64_t> shape;
  /// The symbol each dim is bound to ("" if none).
  std::vector<std::string> symbols;
  /// For the state of a train step (optimizer moments, the learning rate,
  /// the step count): the value every element starts from. Such a
  /// parameter is not read from the weights.
  std::optional<double> initialValue;
  /// For a parameter the library stores in another dtype than the model
  /// gives it (`--precision`): the model's dtype. Weights in it are
  /// converted when read (docs/precision.md).
  std::optional<DType> modelDtype;
  /// For an int8 parameter (`--quantize`): the dim of its output channels,
  /// each scaled by one element of the parameter `<name>.scale`
  /// (docs/precision.md). f32 weights are quantized when read.
  std::optional<int64_t> quantizedAxis;
  /// For such a scale: the name of the parameter it scales. It is made
  /// with it when the weights are f32, read with it when they are int8.
  std::string scaleOf;

  /// `[N,3,32,32]`: fixed dims as numbers, dynamic ones by symbol or `?`.
  std::string describeShape() const;
  /// The number of elements; -1 if a dim is dynamic.
  int64_t numElements() const;
};

/// A parameter in the layout the code reads it in (a Linear layer's weight
/// transposed, or packed into panels), made once per instance from the
/// parameter `parameter`: its elements in row-major order viewed as
/// `shape`, whose dims are then permuted (dim i of the prepared parameter
/// is dim permutation[i] of `shape`).
struct Prepared {
  std::string parameter;
  std::vector<int64_t> shape;
  std::vector<int64_t> permutation;
};

struct Entry {
  std::string name;
  std::vector<Port> inputs, outputs, parameters;
  /// Passed after the parameters, in this order.
  std::vector<Prepared> prepared;
  /// The parameters (by name) whose new values the entry returns after its
  /// outputs, in this order: a train step's updates, which the runtime
  /// stores into the instance after each call.
  std::vector<std::string> updates;

  /// The parameter named `name`, or null.
  const Port *findParameter(const std::string &name) const;
  /// The bytes of the arena the entry's planned intermediates live in (the
  /// last argument of every entry; see mithril-plan-memory).
  int64_t arenaBytes = 0;
};

struct Signature {
  std::vector<Entry> entries;
  /// The threads a call runs on by default (mlc-compile --threads): 0, as
  /// many as the machine has cores; 1, the code is sequential.
  int64_t threads = 0;

  /// The entry named `name`, or null.
  Entry *findEntry(const std::string &name);

  /// The library's name: its first entry's.
  const std::string &name() const { return entries.front().name; }
  /// The bytes of every distinct parameter (each name counted once).
  int64_t parameterBytes() const;
};

/// Parses `json`; false and a message in `error` if it is not a valid
/// signature.
bool parseSignature(const char *json, Signature &signature, std::string &error);

/// The JSON of `signature` (see mithril_library_signature in runtime.h):
/// shapes with null for dynamic dims, dims with the symbols.
std::string printSignature(const Signature &signature);

/// `[8,3,32,31]`.
std::string formatShape(const int64_t *shape, size_t rank);

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_SIGNATURE_H
