//===- WeightsChecker.cpp - Match parameters with a weights file ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "WeightsChecker.h"

#include "mithril/Frontend/ModelParameters.h"
#include "mithril/Frontend/OpCatalog.h"
#include "mithril/IR/MithrilOps.h"
#include "mithril/runtime/Safetensors.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::mithril;
namespace rt = ::mithril::runtime;

unsigned mlir::mithril::checkModelWeights(ModuleOp module, StringRef path,
                                          Location fileLoc) {
  std::string error;
  std::unique_ptr<rt::SafetensorsFile> file =
      rt::SafetensorsFile::open(path.str(), error);
  if (!file) {
    emitError(fileLoc) << "cannot read the weights file '" << path
                       << "': " << error;
    return 1;
  }

  unsigned numErrors = 0;
  llvm::StringSet<> parameterNames;
  SmallVector<StringRef> names;
  for (ModelParameter parameter : collectModelParameters(module)) {
    parameterNames.insert(parameter.name);
    auto type = cast<RankedTensorType>(parameter.op.getType());
    const rt::TensorInfo *tensor = file->find(parameter.name);
    if (!tensor) {
      emitError(parameter.op.getLoc()) << "parameter '" << parameter.name
                                       << "' is missing from '" << path << "'";
      ++numErrors;
      continue;
    }
    std::string expectedDType =
        getDTypeName(type.getElementType()).value_or("?");
    std::string foundDType(rt::modelDTypeName(tensor->dtype));
    if (ArrayRef<int64_t>(tensor->shape) != type.getShape() ||
        foundDType != expectedDType) {
      emitError(parameter.op.getLoc())
          << "parameter '" << parameter.name << "' is "
          << formatShape(type.getShape()) << " " << expectedDType << ", but '"
          << path << "' holds " << formatShape(tensor->shape) << " "
          << foundDType;
      ++numErrors;
    }
  }
  for (const rt::TensorInfo &tensor : file->tensors()) {
    if (parameterNames.contains(tensor.name))
      continue;
    SmallVector<StringRef> candidates;
    for (auto &entry : parameterNames)
      candidates.push_back(entry.getKey());
    auto diag = emitError(fileLoc)
                << "tensor '" << tensor.name << "' of '" << path
                << "' names no parameter of the model";
    if (auto suggestion = closestName(tensor.name, candidates))
      diag << "; did you mean '" << *suggestion << "'?";
    ++numErrors;
  }
  return numErrors;
}
