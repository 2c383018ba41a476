//===- Attributes.cpp - Attributes of the mithril dialect -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilAttributes.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/IR/MithrilInterfaces.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mithril;

#define GET_ATTRDEF_CLASSES
#include "mithril/IR/MithrilAttributes.cpp.inc"

#include "mithril/IR/MithrilInterfaces.cpp.inc"

void MithrilDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mithril/IR/MithrilAttributes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// #mithril.init
//===----------------------------------------------------------------------===//

static StringRef stringifyInitKind(InitKind kind) {
  switch (kind) {
  case InitKind::Uniform:
    return "uniform";
  case InitKind::Normal:
    return "normal";
  case InitKind::Constant:
    return "constant";
  }
  return "";
}

/// `<uniform(low, high)>`, `<normal(mean, stddev)>` or `<constant(value)>`.
Attribute InitializerAttr::parse(AsmParser &parser, Type) {
  StringRef keyword;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<InitKind> kind =
      llvm::StringSwitch<std::optional<InitKind>>(keyword)
          .Case("uniform", InitKind::Uniform)
          .Case("normal", InitKind::Normal)
          .Case("constant", InitKind::Constant)
          .Default(std::nullopt);
  if (!kind) {
    parser.emitError(loc) << "expected uniform, normal or constant";
    return {};
  }
  double first = 0, second = 0;
  if (parser.parseLParen() || parser.parseFloat(first))
    return {};
  if (*kind != InitKind::Constant &&
      (parser.parseComma() || parser.parseFloat(second)))
    return {};
  if (parser.parseRParen() || parser.parseGreater())
    return {};
  return InitializerAttr::get(parser.getContext(), *kind, first, second);
}

void InitializerAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyInitKind(getKind()) << "(" << getFirstValue();
  if (getKind() != InitKind::Constant)
    printer << ", " << getSecondValue();
  printer << ")>";
}
