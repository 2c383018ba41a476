//===- Descriptors.cpp - Memref descriptors and aligned memory ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A generated library exposes each entry as a function over MLIR memref
// descriptors (MLIR's C interface). These build the descriptors of the
// tensors the runtime passes, read those the entry returns, and copy a
// strided view into row-major order.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <algorithm>
#include <cstring>

namespace mithril::runtime {

AlignedBuffer allocateAligned(size_t bytes) {
  size_t rounded = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
  return AlignedBuffer(static_cast<uint8_t *>(std::aligned_alloc(64, rounded)));
}

Descriptor Descriptor::contiguous(const void *data, const int64_t *shape,
                                  size_t rank) {
  Descriptor descriptor;
  descriptor.words.resize(wordsForRank(rank));
  descriptor.assign(data, shape);
  return descriptor;
}

void Descriptor::assign(const void *data, const int64_t *shape) {
  size_t rank = (words.size() - 3) / 2;
  int64_t address = int64_t(reinterpret_cast<intptr_t>(data));
  words[0] = words[1] = address;
  words[2] = 0;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    words[3 + i] = shape[i];
    words[3 + rank + i] = stride;
    stride *= shape[i];
  }
}

int64_t ResultView::numElements() const {
  int64_t count = 1;
  for (size_t i = 0; i < rank; ++i)
    count *= size(i);
  return count;
}

bool ResultView::isContiguous() const {
  int64_t expected = 1;
  for (size_t i = rank; i-- > 0;) {
    if (size(i) != 1 && stride(i) != expected)
      return false;
    expected *= size(i);
  }
  return offset() == 0;
}

void copyStrided(const ResultView &view, size_t elementSize, uint8_t *dest) {
  if (view.numElements() == 0)
    return;
  if (view.isContiguous()) {
    std::memcpy(dest, view.aligned(), size_t(view.numElements()) * elementSize);
    return;
  }
  // Row by row along the last dim; the index of the others on the stack
  // (a call allocates nothing).
  const uint8_t *base = view.aligned() + view.offset() * int64_t(elementSize);
  size_t outer = view.rank - 1;
  int64_t length = view.size(outer), stride = view.stride(outer);
  int64_t index[MITHRIL_MAX_RANK] = {};
  for (;;) {
    int64_t start = 0;
    for (size_t i = 0; i < outer; ++i)
      start += index[i] * view.stride(i);
    const uint8_t *row = base + start * int64_t(elementSize);
    if (stride == 1) {
      std::memcpy(dest, row, size_t(length) * elementSize);
      dest += size_t(length) * elementSize;
    } else {
      for (int64_t k = 0; k < length; ++k, dest += elementSize)
        std::memcpy(dest, row + k * stride * int64_t(elementSize), elementSize);
    }
    size_t dim = outer;
    while (dim > 0 && ++index[dim - 1] == view.size(dim - 1))
      index[--dim] = 0;
    if (dim == 0)
      return;
  }
}

} // namespace mithril::runtime
