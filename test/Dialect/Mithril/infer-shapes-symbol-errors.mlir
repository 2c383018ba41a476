// RUN: mlc-opt %s --verify-diagnostics --mithril-infer-shapes="shape=x=8x4,y=4x4"
// RUN: not mlc-opt %s --mithril-infer-shapes="batch=2 shape=x=8x4" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BATCH
// RUN: not mlc-opt %s --mithril-infer-shapes="shape=x=8x4x1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANK
// RUN: not mlc-opt %s --mithril-infer-shapes="shape=z=8x4" -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not mlc-opt %s --mithril-infer-shapes="shape=x=8xfour" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not mlc-opt %s --mithril-infer-shapes="shape=s=6x4" -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATIC

// expected-error@unknown {{symbol 'N' is bound to 8 (by --shape x=8x4) and to 4 (by --shape y=4x4)}}
mithril.model @m(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"},
                 %y: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "y"},
                 %s: tensor<5x4xf32> {mithril.name = "s"}) -> tensor<?x4xf32> {
  %0 = mithril.add %x, %y : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// BATCH: error: symbol 'N' is bound to 2 (by --batch 2) and to 8 (by --shape x=8x4)
// RANK: error: --shape x=8x4x1: input 'x' has rank 2 [?, 4], not 3
// UNKNOWN: error: --shape z=8x4: @m has no input 'z' (its inputs: x, y, s)
// SYNTAX: error: --shape x=8xfour: expected NAME=DIMS with DIMS non-negative integers separated by 'x'
// STATIC: error: --shape s=6x4: dim 0 of input 's' is 5, not 6

