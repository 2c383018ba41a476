//===- MemrefCopy.cpp - Strided copies for generated code -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// MLIR lowers a memref.copy between buffers that are not both contiguous to
// a call of `memrefCopy`, which lives in MLIR's own runtime library. A
// deployed model must not need that library, so mithril-emit-library-abi
// renames the call to this function, which does the same copy.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime.h"

#include <cstdint>
#include <cstring>

namespace {

/// MLIR's unranked memref: the rank and a pointer to a ranked descriptor
/// {allocated, aligned, offset, sizes[rank], strides[rank]}.
struct UnrankedMemref {
  int64_t rank;
  int64_t *descriptor;

  char *aligned() const { return reinterpret_cast<char *>(descriptor[1]); }
  int64_t offset() const { return descriptor[2]; }
  int64_t size(int64_t i) const { return descriptor[3 + i]; }
  int64_t stride(int64_t i) const { return descriptor[3 + rank + i]; }
};

} // namespace

extern "C" MITHRIL_API void mithril_memref_copy(int64_t elementSize,
                                                UnrankedMemref *source,
                                                UnrankedMemref *dest) {
  int64_t rank = source->rank;
  char *from = source->aligned() + source->offset() * elementSize;
  char *to = dest->aligned() + dest->offset() * elementSize;
  for (int64_t i = 0; i < rank; ++i)
    if (source->size(i) == 0)
      return;
  if (rank == 0) {
    std::memcpy(to, from, size_t(elementSize));
    return;
  }
  // An odometer over the indices; the innermost dim moves fastest.
  int64_t index[MITHRIL_MAX_RANK * 4] = {0};
  if (rank > int64_t(sizeof(index) / sizeof(index[0])))
    return;
  for (;;) {
    int64_t fromOffset = 0, toOffset = 0;
    for (int64_t i = 0; i < rank; ++i) {
      fromOffset += index[i] * source->stride(i);
      toOffset += index[i] * dest->stride(i);
    }
    std::memcpy(to + toOffset * elementSize, from + fromOffset * elementSize,
                size_t(elementSize));
    int64_t dim = rank;
    while (dim > 0 && ++index[dim - 1] == source->size(dim - 1))
      index[--dim] = 0;
    if (dim == 0)
      return;
  }
}
