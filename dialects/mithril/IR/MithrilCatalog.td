//===- MithrilCatalog.td - How catalog ops appear in model files ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The op catalog of the model format (spec/model-format.md, "Op catalog,
// version 1") is written on the ops themselves: an op of the catalog sets
// `catalog` to its entry, the name a model file uses and its arguments in
// PyTorch's positional order. The rest is read off the op: its ports are its
// operands other than the parameters (optional and variadic as ODS declares
// them), numbered outputs are variadic results, and defaults are the
// attributes' defaults. `mithril-tblgen -gen-op-catalog` writes the C++ table
// the importer and exporter read, and `-gen-op-catalog-json` the JSON the
// Python frontend reads, so the catalog has one source.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CATALOG_TD
#define MITHRIL_CATALOG_TD

// One argument of a catalog op. `kind` names an ArgKind of OpCatalog.h.
class Mithril_CatalogArg<string argName, string argKind, bit isRequired = 0> {
  string name = argName;
  string kind = argKind;
  // Whether a model file must give it.
  bit required = isRequired;
  // Sizes, Ints, Padding: how many values a list has (0: any number).
  int length = 0;
  // Choice: the values allowed, separated by '|'.
  string choices = "";
  // Whether the op holds it as an attribute of the same name. Otherwise it
  // only decides which parameters exist (`bias`), and `defaultValue` is its
  // default as JSON.
  bit isAttribute = 1;
  string defaultValue = "";
}

class Mithril_IntArg<string name, bit required = 0>
    : Mithril_CatalogArg<name, "Int", required>;
class Mithril_PositiveIntArg<string name, bit required = 0>
    : Mithril_CatalogArg<name, "PositiveInt", required>;
class Mithril_FloatArg<string name> : Mithril_CatalogArg<name, "Float">;
class Mithril_BoolArg<string name> : Mithril_CatalogArg<name, "Bool">;
class Mithril_ChoiceArg<string name, string values>
    : Mithril_CatalogArg<name, "Choice"> {
  let choices = values;
}
// A positive integer, or a list of `count` of them (an integer repeats).
class Mithril_SizesArg<string name, int count, bit required = 0>
    : Mithril_CatalogArg<name, "Sizes", required> {
  let length = count;
}
// An integer, or a list of them (of `count`, if not 0).
class Mithril_IntsArg<string name, int count = 0, bit required = 0>
    : Mithril_CatalogArg<name, "Ints", required> {
  let length = count;
}
class Mithril_IntListArg<string name, bit required = 0>
    : Mithril_CatalogArg<name, "IntList", required>;
// An integer, a list of `count` integers, "same" or "valid".
class Mithril_PaddingArg<string name, int count>
    : Mithril_CatalogArg<name, "Padding"> {
  let length = count;
}
class Mithril_DimListArg<string name, bit required = 0>
    : Mithril_CatalogArg<name, "DimList", required>;
class Mithril_DTypeArg<string name, bit required = 0>
    : Mithril_CatalogArg<name, "DType", required>;
// null, an integer or a list of integers.
class Mithril_OptionalIntsArg<string name, bit required = 0>
    : Mithril_CatalogArg<name, "OptionalInts", required>;
class Mithril_OptionalIntArg<string name>
    : Mithril_CatalogArg<name, "OptionalInt">;
class Mithril_OptionalFloatArg<string name>
    : Mithril_CatalogArg<name, "OptionalFloat">;
// A boolean that turns a parameter on or off (`bias`), true by default.
class Mithril_ParameterSwitchArg<string name>
    : Mithril_CatalogArg<name, "Bool"> {
  let isAttribute = 0;
  let defaultValue = "true";
}

// The catalog entry of an op: the name a model file gives it, its
// arguments in PyTorch's positional order, and the operands that are
// parameters (an op with parameters implements ParameterizedOpInterface).
class Mithril_Catalog<string catalogName,
                      list<Mithril_CatalogArg> catalogArgs = [],
                      list<string> parameterOperands = []> {
  string name = catalogName;
  list<Mithril_CatalogArg> args = catalogArgs;
  list<string> parameters = parameterOperands;
}

#endif // MITHRIL_CATALOG_TD
