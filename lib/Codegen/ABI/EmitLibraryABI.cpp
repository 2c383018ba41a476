//===- EmitLibraryABI.cpp - The C interface of a compiled library ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Adds, in the LLVM dialect, what the runtime and C callers see of a library:
// one uniform adapter per entry, the reflection symbol `mithril_library_v1`
// (laid out as `mithril_library_info` in mithril/runtime.h), and the typed
// wrappers of spec/abi.md, which call into libmithril_runtime.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibrarySignature.h"
#include "mithril/Codegen/Passes.h"
#include "mithril/runtime.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_EMITLIBRARYABI
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// Must match MITHRIL_ABI_VERSION in mithril/runtime.h.
constexpr int32_t kABIVersion = 1;
/// Must match MITHRIL_MAX_RANK in mithril/runtime.h.
constexpr unsigned kMaxRank = MITHRIL_MAX_RANK;

/// Builds the glue at the end of a module.
class ABIBuilder {
public:
  ABIBuilder(ModuleOp module)
      : module(module), symbols(module),
        b(module.getLoc(), module.getContext()) {
    b.setInsertionPointToEnd(module.getBody());
    ptr = LLVM::LLVMPointerType::get(module.getContext());
    i32 = b.getI32Type();
    i64 = b.getI64Type();
    voidType = LLVM::LLVMVoidType::get(module.getContext());
  }

  FailureOr<LLVM::LLVMFuncOp>
  buildAdapter(const ::mithril::runtime::Entry &entry);
  LLVM::GlobalOp buildInfo(const LibrarySignature &signature,
                           ArrayRef<LLVM::LLVMFuncOp> adapters,
                           StringRef weightsMode, bool exported);
  void buildWrappers(const LibrarySignature &signature, LLVM::GlobalOp info);

private:
  /// A declaration of the runtime function `name`.
  LLVM::LLVMFuncOp runtimeFunction(StringRef name, Type result,
                                   ArrayRef<Type> arguments);
  LLVM::GlobalOp stringGlobal(StringRef name, StringRef value);
  LLVM::GlobalOp externalBytes(StringRef name);
  /// A new function with an entry block, the builder inside it.
  LLVM::LLVMFuncOp beginFunction(StringRef name, Type result,
                                 ArrayRef<Type> arguments,
                                 LLVM::Linkage linkage);
  /// An array of `values` on the stack.
  Value stackArray(ValueRange values);
  Value callRun(Value model, size_t entryIndex, ValueRange inputs,
                ValueRange outputs);
  void buildRunWrapper(StringRef name, size_t entryIndex,
                       const ::mithril::runtime::Entry &entry);
  void buildTrainStepWrapper(StringRef name, size_t entryIndex,
                             const ::mithril::runtime::Entry &entry);

  ModuleOp module;
  SymbolTable symbols;
  ImplicitLocOpBuilder b;
  Type ptr, i32, i64, voidType;
};

LLVM::LLVMFuncOp ABIBuilder::runtimeFunction(StringRef name, Type result,
                                             ArrayRef<Type> arguments) {
  if (auto existing = symbols.lookup<LLVM::LLVMFuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto function = LLVM::LLVMFuncOp::create(
      b, name, LLVM::LLVMFunctionType::get(result, arguments));
  symbols.insert(function);
  return function;
}

LLVM::GlobalOp ABIBuilder::stringGlobal(StringRef name, StringRef value) {
  std::string bytes = value.str();
  bytes.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size());
  auto global = LLVM::GlobalOp::create(b, type, /*isConstant=*/true,
                                       LLVM::Linkage::Private, name,
                                       b.getStringAttr(bytes));
  symbols.insert(global);
  return global;
}

LLVM::GlobalOp ABIBuilder::externalBytes(StringRef name) {
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), 0);
  auto global = LLVM::GlobalOp::create(
      b, type, /*isConstant=*/true, LLVM::Linkage::External, name, Attribute());
  symbols.insert(global);
  return global;
}

LLVM::LLVMFuncOp ABIBuilder::beginFunction(StringRef name, Type result,
                                           ArrayRef<Type> arguments,
                                           LLVM::Linkage linkage) {
  b.setInsertionPointToEnd(module.getBody());
  auto function = LLVM::LLVMFuncOp::create(
      b, name, LLVM::LLVMFunctionType::get(result, arguments), linkage);
  symbols.insert(function);
  b.setInsertionPointToStart(function.addEntryBlock(b));
  return function;
}

Value ABIBuilder::stackArray(ValueRange values) {
  Value count = LLVM::ConstantOp::create(b, i64, int64_t(values.size()));
  Value array = LLVM::AllocaOp::create(b, ptr, ptr, count);
  for (auto [i, value] : llvm::enumerate(values)) {
    Value slot = LLVM::GEPOp::create(b, ptr, ptr, array,
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
    LLVM::StoreOp::create(b, value, slot);
  }
  return array;
}

/// `void __mithril_entry_<name>(void *results, void *const *args)`: loads
/// the descriptor pointers from `args` and calls the C interface.
FailureOr<LLVM::LLVMFuncOp>
ABIBuilder::buildAdapter(const ::mithril::runtime::Entry &entry) {
  auto cInterface =
      symbols.lookup<LLVM::LLVMFuncOp>("_mlir_ciface_" + entry.name);
  // Inputs, parameters, prepared parameters and the arena.
  size_t numArguments =
      entry.inputs.size() + entry.parameters.size() + entry.prepared.size() + 1;
  if (!cInterface || cInterface.getNumArguments() != 1 + numArguments)
    return module.emitError()
           << "entry '" << entry.name
           << "' has no C interface function _mlir_ciface_" << entry.name
           << " taking its results, inputs, parameters and arena (run "
              "mithril-plan-memory after bufferisation)";
  LLVM::LLVMFuncOp adapter =
      beginFunction("__mithril_entry_" + entry.name, voidType, {ptr, ptr},
                    LLVM::Linkage::Internal);
  SmallVector<Value> arguments{adapter.getArgument(0)};
  for (size_t i = 0; i < numArguments; ++i) {
    Value slot = LLVM::GEPOp::create(b, ptr, ptr, adapter.getArgument(1),
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
    arguments.push_back(LLVM::LoadOp::create(b, ptr, slot));
  }
  LLVM::CallOp::create(b, cInterface, arguments);
  LLVM::ReturnOp::create(b, ValueRange());
  return adapter;
}

/// The reflection symbol: a constant `mithril_library_info`.
LLVM::GlobalOp ABIBuilder::buildInfo(const LibrarySignature &signature,
                                     ArrayRef<LLVM::LLVMFuncOp> adapters,
                                     StringRef weightsMode, bool exported) {
  b.setInsertionPointToEnd(module.getBody());
  LLVM::GlobalOp json = stringGlobal(
      "__mithril_signature", ::mithril::runtime::printSignature(signature));
  LLVM::GlobalOp weightsBegin, weightsEnd, weightsFile;
  if (weightsMode == "embed") {
    weightsBegin = externalBytes("__mithril_weights_begin");
    weightsEnd = externalBytes("__mithril_weights_end");
  } else if (weightsMode == "external") {
    weightsFile = stringGlobal("__mithril_weights_file",
                               signature.name() + ".safetensors");
  }

  auto entriesType = LLVM::LLVMArrayType::get(ptr, adapters.size());
  auto entries = LLVM::GlobalOp::create(b, entriesType, /*isConstant=*/true,
                                        LLVM::Linkage::Private,
                                        "__mithril_entries", Attribute());
  symbols.insert(entries);
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&entries.getInitializerRegion());
    Value array = LLVM::PoisonOp::create(b, entriesType);
    for (auto [i, adapter] : llvm::enumerate(adapters))
      array = LLVM::InsertValueOp::create(b, array,
                                          LLVM::AddressOfOp::create(b, adapter),
                                          b.getDenseI64ArrayAttr({int64_t(i)}));
    LLVM::ReturnOp::create(b, array);
  }

  // {abi_version, num_entries, signature, entries, weights_begin,
  //  weights_end, weights_file}
  auto infoType = LLVM::LLVMStructType::getLiteral(
      module.getContext(), {i32, i32, ptr, ptr, ptr, ptr, ptr});
  auto info = LLVM::GlobalOp::create(b, infoType, /*isConstant=*/true,
                                     exported ? LLVM::Linkage::External
                                              : LLVM::Linkage::Internal,
                                     "mithril_library_v1", Attribute(),
                                     /*alignment=*/8);
  symbols.insert(info);
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&info.getInitializerRegion());
  auto addressOrNull = [&](LLVM::GlobalOp global) -> Value {
    if (global)
      return LLVM::AddressOfOp::create(b, global);
    return LLVM::ZeroOp::create(b, ptr);
  };
  SmallVector<Value> fields{
      LLVM::ConstantOp::create(b, i32, kABIVersion),
      LLVM::ConstantOp::create(b, i32, int64_t(adapters.size())),
      LLVM::AddressOfOp::create(b, json),
      LLVM::AddressOfOp::create(b, entries),
      addressOrNull(weightsBegin),
      addressOrNull(weightsEnd),
      addressOrNull(weightsFile)};
  Value value = LLVM::PoisonOp::create(b, infoType);
  for (auto [i, field] : llvm::enumerate(fields))
    value = LLVM::InsertValueOp::create(b, value, field,
                                        b.getDenseI64ArrayAttr({int64_t(i)}));
  LLVM::ReturnOp::create(b, value);
  return info;
}

/// Returns the status of `mithril_model_run(model, entryIndex, inputs,
/// numInputs, outputs, numOutputs)`, the arrays on the stack.
Value ABIBuilder::callRun(Value model, size_t entryIndex, ValueRange inputs,
                          ValueRange outputs) {
  LLVM::LLVMFuncOp run =
      runtimeFunction("mithril_model_run", ptr, {ptr, i64, ptr, i64, ptr, i64});
  auto count = [&](size_t n) -> Value {
    return LLVM::ConstantOp::create(b, i64, int64_t(n));
  };
  return LLVM::CallOp::create(
             b, run,
             ValueRange{model, count(entryIndex), stackArray(inputs),
                        count(inputs.size()), stackArray(outputs),
                        count(outputs.size())})
      .getResult();
}

/// `<name>_run(model, inputs..., outputs...)`.
void ABIBuilder::buildRunWrapper(StringRef name, size_t entryIndex,
                                 const ::mithril::runtime::Entry &entry) {
  size_t numInputs = entry.inputs.size(), numOutputs = entry.outputs.size();
  SmallVector<Type> arguments(1 + numInputs + numOutputs, ptr);
  LLVM::LLVMFuncOp wrapper =
      beginFunction(name, ptr, arguments, LLVM::Linkage::External);
  auto tensors = wrapper.getArguments().drop_front();
  LLVM::ReturnOp::create(b, callRun(wrapper.getArgument(0), entryIndex,
                                    ValueRange(tensors.take_front(numInputs)),
                                    ValueRange(tensors.drop_front(numInputs))));
}

/// `<name>_train_step(model, inputs..., target, float *loss)`: the train
/// step's one output, a rank-0 f32, is written through `loss`.
void ABIBuilder::buildTrainStepWrapper(StringRef name, size_t entryIndex,
                                       const ::mithril::runtime::Entry &entry) {
  size_t numInputs = entry.inputs.size();
  SmallVector<Type> arguments(2 + numInputs, ptr);
  LLVM::LLVMFuncOp wrapper =
      beginFunction(name, ptr, arguments, LLVM::Linkage::External);
  auto tensors = wrapper.getArguments().drop_front();
  // A zeroed mithril_tensor {data, dtype, rank, shape[MITHRIL_MAX_RANK],
  // device, device_index, allocation}: a CPU f32 scalar at `loss`.
  MLIRContext *context = module.getContext();
  auto tensorType = LLVM::LLVMStructType::getLiteral(
      context,
      {ptr, i32, i32, LLVM::LLVMArrayType::get(i64, kMaxRank), i32, i32, ptr});
  Value one = LLVM::ConstantOp::create(b, i64, int64_t(1));
  Value loss = LLVM::AllocaOp::create(b, ptr, tensorType, one);
  Value value = LLVM::ZeroOp::create(b, tensorType);
  value = LLVM::InsertValueOp::create(b, value, tensors.back(),
                                      b.getDenseI64ArrayAttr({0}));
  LLVM::StoreOp::create(b, value, loss);
  LLVM::ReturnOp::create(b, callRun(wrapper.getArgument(0), entryIndex,
                                    ValueRange(tensors.take_front(numInputs)),
                                    ValueRange{loss}));
}

void ABIBuilder::buildWrappers(const LibrarySignature &signature,
                               LLVM::GlobalOp info) {
  std::string library = toCIdentifier(signature.name());
  LLVM::LLVMFuncOp createFromInfo =
      runtimeFunction("mithril_model_create_from_info", ptr, {ptr, ptr, ptr});
  LLVM::LLVMFuncOp destroy =
      runtimeFunction("mithril_model_destroy", voidType, {ptr});

  LLVM::LLVMFuncOp create = beginFunction(library + "_create", ptr, {ptr, ptr},
                                          LLVM::Linkage::External);
  Value status = LLVM::CallOp::create(
                     b, createFromInfo,
                     ValueRange{LLVM::AddressOfOp::create(b, info),
                                create.getArgument(0), create.getArgument(1)})
                     .getResult();
  LLVM::ReturnOp::create(b, status);

  for (const auto &[i, entry] : llvm::enumerate(signature.entries)) {
    buildRunWrapper(i == 0 ? library + "_run"
                           : library + "_" + toCIdentifier(entry.name) + "_run",
                    i, entry);
    if (isTrainStep(entry))
      buildTrainStepWrapper(library + "_" + toCIdentifier(entry.name), i,
                            entry);
  }

  LLVM::LLVMFuncOp destroyWrapper = beginFunction(
      library + "_destroy", voidType, {ptr}, LLVM::Linkage::External);
  LLVM::CallOp::create(b, destroy, destroyWrapper.getArgument(0));
  LLVM::ReturnOp::create(b, ValueRange());

  beginFunction(library + "_info", ptr, {}, LLVM::Linkage::External);
  LLVM::ReturnOp::create(b, LLVM::AddressOfOp::create(b, info).getResult());
}

/// Sends MLIR's strided copy to the runtime's copy of it.
LogicalResult renameMemrefCopy(ModuleOp module) {
  auto copy = SymbolTable::lookupSymbolIn(module, "memrefCopy");
  if (!copy)
    return success();
  StringAttr name = StringAttr::get(module.getContext(), "mithril_memref_copy");
  if (failed(SymbolTable::replaceAllSymbolUses(copy, name, module)))
    return failure();
  SymbolTable::setSymbolName(copy, name);
  return success();
}

struct EmitLibraryABIPass
    : mlir::mithril::impl::EmitLibraryABIBase<EmitLibraryABIPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (weights != "none" && weights != "embed" && weights != "external") {
      module.emitError() << "weights=" << weights
                         << ": expected none, embed or external";
      return signalPassFailure();
    }
    std::optional<LibrarySignature> signature = getRecordedSignature(module);
    if (!signature) {
      module.emitError() << "no valid '" << kSignatureAttrName
                         << "' attribute: run mithril-record-signature "
                            "before lowering to the LLVM dialect";
      return signalPassFailure();
    }
    signature->threads = threads;
    if (failed(renameMemrefCopy(module)))
      return signalPassFailure();
    // Only the C interface is visible outside the module: the model's own
    // functions are local, so that several models link into one program.
    for (auto function : module.getOps<LLVM::LLVMFuncOp>())
      if (!function.isExternal())
        function.setLinkage(LLVM::Linkage::Internal);

    ABIBuilder builder(module);
    SmallVector<LLVM::LLVMFuncOp> adapters;
    for (const ::mithril::runtime::Entry &entry : signature->entries) {
      FailureOr<LLVM::LLVMFuncOp> adapter = builder.buildAdapter(entry);
      if (failed(adapter))
        return signalPassFailure();
      adapters.push_back(*adapter);
    }
    LLVM::GlobalOp info =
        builder.buildInfo(*signature, adapters, weights, !localInfo);
    builder.buildWrappers(*signature, info);
  }
};

} // namespace
