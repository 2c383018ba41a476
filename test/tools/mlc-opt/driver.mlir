// mlc-opt registers the mithril dialect beside the upstream dialects the
// pipelines use, and says which Mithril and LLVM it is.
// RUN: mlc-opt --show-dialects | FileCheck %s --check-prefix=DIALECTS
// RUN: mlc-opt --version | FileCheck %s --check-prefix=VERSION
// RUN: mlc-opt --help | FileCheck %s --check-prefix=PASSES

// DIALECTS: Available Dialects:
// DIALECTS-SAME: linalg
// DIALECTS-SAME: mithril
// DIALECTS-SAME: shard
// DIALECTS-SAME: tensor

// VERSION-DAG: LLVM version 22.
// VERSION-DAG: Mithril version {{[0-9]+\.[0-9]+\.[0-9]+}}

// PASSES: --mithril-infer-shapes
