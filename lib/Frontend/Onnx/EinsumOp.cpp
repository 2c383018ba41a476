//===- EinsumOp.cpp - ONNX Einsum as permutes, sums and a matmul ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Einsum where it is a (batched) matrix product: with two operands, each
// letter is a batch letter (in both operands and the output), the one
// contracted letter (in both, not in the output) or a free letter of one
// operand (at most one each). The operands are permuted to
// [batch..., rows, K] and [batch..., K, columns], multiplied, and the
// product permuted to the output's order. With one operand, Einsum is a
// sum over the letters the output drops, then a permute.
//
//===----------------------------------------------------------------------===//

#include "NodeImport.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

/// The terms of an equation, without spaces; the output term is implicit
/// (the letters seen once, sorted) where there is no `->`.
struct Equation {
  SmallVector<std::string> inputs;
  std::string output;
};

std::optional<Equation> parseEquation(StringRef text) {
  std::string compact;
  for (char c : text)
    if (!llvm::isSpace(c))
      compact += c;
  StringRef equation(compact);
  auto [lhs, rhs] = equation.split("->");
  Equation parsed;
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  for (StringRef term : terms) {
    if (!llvm::all_of(term, llvm::isAlpha))
      return std::nullopt;
    parsed.inputs.push_back(term.str());
  }
  if (equation.contains("->")) {
    if (!llvm::all_of(rhs, llvm::isAlpha))
      return std::nullopt;
    parsed.output = rhs.str();
  } else {
    std::string letters;
    for (char c : lhs)
      if (llvm::isAlpha(c) && llvm::count(lhs, c) == 1)
        letters += c;
    llvm::sort(letters);
    parsed.output = letters;
  }
  return parsed;
}

bool hasRepeats(StringRef term) {
  return llvm::any_of(term, [&](char c) { return llvm::count(term, c) > 1; });
}

/// `term`'s dims in the order of `order`'s letters.
SmallVector<int64_t> positions(StringRef term, StringRef order) {
  SmallVector<int64_t> dims;
  for (char c : order)
    dims.push_back(term.find(c));
  return dims;
}

Value permute(NodeImport &node, Value value, ArrayRef<int64_t> dims) {
  if (llvm::equal(dims, llvm::seq<int64_t>(0, dims.size())))
    return value;
  return node.build<PermuteOp>(value, dims);
}

LogicalResult convertSingle(NodeImport &node, StringRef term,
                            StringRef output) {
  Value value = node.input(0);
  if (!value)
    return failure();
  SmallVector<int64_t> dropped;
  std::string kept;
  for (auto [i, c] : llvm::enumerate(term)) {
    if (output.contains(c))
      kept += c;
    else
      dropped.push_back(i);
  }
  if (!dropped.empty())
    value =
        node.build<SumOp>(value, node.builder().getDenseI64ArrayAttr(dropped));
  return node.setOutput(permute(node, value, positions(kept, output)));
}

LogicalResult convertPair(NodeImport &node, StringRef left, StringRef right,
                          StringRef output) {
  std::string batch, contracted, rows, columns;
  for (char c : left) {
    if (right.contains(c))
      (output.contains(c) ? batch : contracted) += c;
    else if (output.contains(c))
      rows += c;
    else
      return node.refuse("a letter summed in one operand only is not "
                         "supported");
  }
  for (char c : right) {
    if (left.contains(c))
      continue;
    if (!output.contains(c))
      return node.refuse("a letter summed in one operand only is not "
                         "supported");
    columns += c;
  }
  if (rows.size() > 1 || columns.size() > 1 || contracted.size() > 1)
    return node.refuse("only one free letter per operand and one contracted "
                       "letter are supported (a matrix product)");
  Value a = node.input(0), b = node.input(1);
  if (!a || !b)
    return failure();
  a = permute(node, a, positions(left, batch + rows + contracted));
  b = permute(node, b, positions(right, batch + contracted + columns));
  // Missing rows, columns or K are dims of size 1.
  auto rank = int64_t(batch.size());
  if (rows.empty())
    a = node.build<UnsqueezeOp>(a, rank);
  if (contracted.empty()) {
    a = node.build<UnsqueezeOp>(a, /*dim=*/-1);
    b = node.build<UnsqueezeOp>(b, rank);
  }
  if (columns.empty())
    b = node.build<UnsqueezeOp>(b, /*dim=*/-1);
  Value product = node.build<MatMulOp>(a, b);
  if (columns.empty())
    product = node.build<SqueezeOp>(product, /*dim=*/-1);
  if (rows.empty())
    product = node.build<SqueezeOp>(product, rank);
  if (!product)
    return failure();
  return node.setOutput(
      permute(node, product, positions(batch + rows + columns, output)));
}

LogicalResult convertEinsum(NodeImport &node) {
  if (failed(node.checkAttributes({"equation"})))
    return failure();
  std::string text = node.attributes.text("equation", "");
  std::optional<Equation> equation = parseEquation(text);
  if (!equation)
    return node.refuse("equation '" + text +
                       "' is not supported (ellipses or other characters)");
  if (int64_t(equation->inputs.size()) != node.numInputs())
    return node.refuse("the equation has " + Twine(equation->inputs.size()) +
                       " terms for " + Twine(node.numInputs()) + " inputs");
  for (auto [i, term] : llvm::enumerate(equation->inputs)) {
    RankedTensorType type = node.inputType(i);
    if (!type || type.getRank() != int64_t(term.size()))
      return node.refuse("term '" + term + "' does not match input " +
                         Twine(i) + "'s rank");
    if (hasRepeats(term))
      return node.refuse("a letter repeated in a term (a diagonal) is not "
                         "supported");
  }
  StringRef output = equation->output;
  if (hasRepeats(output))
    return node.refuse("a letter repeated in the output is not supported");
  for (char c : output)
    if (llvm::none_of(equation->inputs, [&](const std::string &t) {
          return t.find(c) != std::string::npos;
        }))
      return node.refuse("output letter '" + Twine(c) + "' is in no input");
  if (equation->inputs.size() == 1)
    return convertSingle(node, equation->inputs[0], output);
  if (equation->inputs.size() == 2)
    return convertPair(node, equation->inputs[0], equation->inputs[1], output);
  return node.refuse("only one or two operands are supported");
}

} // namespace

void mlir::mithril::onnx_import::addEinsumConverter(ConverterTable &table) {
  table["Einsum"] = convertEinsum;
}
