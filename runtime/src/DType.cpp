//===- DType.cpp - The element types of tensors ---------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// One table of every dtype's names and size; the functions look it up.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/DType.h"

namespace mithril::runtime {
namespace {

struct DTypeEntry {
  DType dtype;
  std::string_view safetensorsName;
  std::string_view modelName;
  size_t size;
};

constexpr DTypeEntry kDTypes[] = {
    {DType::F32, "F32", "f32", 4},    {DType::F16, "F16", "f16", 2},
    {DType::BF16, "BF16", "bf16", 2}, {DType::F64, "F64", "f64", 8},
    {DType::I64, "I64", "i64", 8},    {DType::I32, "I32", "i32", 4},
    {DType::I8, "I8", "i8", 1},       {DType::U8, "U8", "u8", 1},
    {DType::Bool, "BOOL", "bool", 1},
};

const DTypeEntry *entryFor(DType dtype) {
  for (const DTypeEntry &entry : kDTypes)
    if (entry.dtype == dtype)
      return &entry;
  return nullptr;
}

} // namespace

std::string_view safetensorsDTypeName(DType dtype) {
  const DTypeEntry *entry = entryFor(dtype);
  return entry ? entry->safetensorsName : "?";
}

std::string_view modelDTypeName(DType dtype) {
  const DTypeEntry *entry = entryFor(dtype);
  return entry ? entry->modelName : "?";
}

std::optional<DType> parseSafetensorsDType(std::string_view name) {
  for (const DTypeEntry &entry : kDTypes)
    if (entry.safetensorsName == name)
      return entry.dtype;
  return std::nullopt;
}

std::optional<DType> parseModelDType(std::string_view name) {
  for (const DTypeEntry &entry : kDTypes)
    if (entry.modelName == name)
      return entry.dtype;
  return std::nullopt;
}

size_t dtypeSize(DType dtype) {
  const DTypeEntry *entry = entryFor(dtype);
  return entry ? entry->size : 0;
}

} // namespace mithril::runtime
