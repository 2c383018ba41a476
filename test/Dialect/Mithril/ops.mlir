// RUN: mlc-opt %s | mlc-opt | FileCheck %s
// RUN: mlc-opt %s --mlir-print-op-generic | mlc-opt | FileCheck %s

// Every op of the catalog round-trips through its custom assembly and the
// generic form. Default-valued attributes are elided when printed.

// CHECK-LABEL: mithril.model @layers
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "linear_0.weight" : tensor<10x64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "linear_0.bias" : tensor<10xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.linear %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {in_features = 64 : i64, out_features = 10 : i64} : (tensor<?x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<?x10xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.linear %{{[^ ,]+}}, %{{[^ ,]+}} {in_features = 64 : i64, out_features = 10 : i64} : (tensor<?x64xf32>, tensor<10x64xf32>) -> tensor<?x10xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "conv2d_0.weight" : tensor<16x3x3x3xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "conv2d_0.bias" : tensor<16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.conv2d %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {in_channels = 3 : i64, out_channels = 16 : i64} : (tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<?x16x32x32xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.conv2d %{{[^ ,]+}}, %{{[^ ,]+}} {in_channels = 3 : i64, out_channels = 16 : i64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<?x16x16x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.conv2d %{{[^ ,]+}}, %{{[^ ,]+}} {dilation = array<i64: 2, 2>, in_channels = 3 : i64, out_channels = 16 : i64, padding = "valid"} : (tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<?x16x28x28xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "conv2d_1.weight" : tensor<6x1x5x5xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.conv2d %{{[^ ,]+}}, %{{[^ ,]+}} {groups = 3 : i64, in_channels = 3 : i64, kernel_size = array<i64: 5, 5>, out_channels = 6 : i64, padding = array<i64: 0, 1, 2, 3>} : (tensor<?x3x32x32xf32>, tensor<6x1x5x5xf32>) -> tensor<?x6x29x33xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "conv1d_0.weight" : tensor<16x8x3xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.conv1d %{{[^ ,]+}}, %{{[^ ,]+}} {in_channels = 8 : i64, out_channels = 16 : i64} : (tensor<?x8x100xf32>, tensor<16x8x3xf32>) -> tensor<?x16x100xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "embedding_0.weight" : tensor<1000x32xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.embedding %{{[^ ,]+}}, %{{[^ ,]+}} {embedding_dim = 32 : i64, num_embeddings = 1000 : i64} : (tensor<?x16xi64>, tensor<1000x32xf32>) -> tensor<?x16x32xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<?x10xf32>
mithril.model @layers(%x: tensor<?x64xf32>, %img: tensor<?x3x32x32xf32>, %seq: tensor<?x8x100xf32>, %ids: tensor<?x16xi64>) -> tensor<?x10xf32> {
  %w = mithril.parameter "linear_0.weight" : tensor<10x64xf32>
  %b = mithril.parameter "linear_0.bias" : tensor<10xf32>
  %0 = mithril.linear %x, %w, %b {in_features = 64, out_features = 10} : (tensor<?x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %1 = mithril.linear %x, %w {in_features = 64, out_features = 10} : (tensor<?x64xf32>, tensor<10x64xf32>) -> tensor<?x10xf32>
  %cw = mithril.parameter "conv2d_0.weight" : tensor<16x3x3x3xf32>
  %cb = mithril.parameter "conv2d_0.bias" : tensor<16xf32>
  %2 = mithril.conv2d %img, %cw, %cb {in_channels = 3, out_channels = 16} : (tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<?x16x32x32xf32>
  %3 = mithril.conv2d %img, %cw {in_channels = 3, out_channels = 16, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<?x16x16x16xf32>
  %4 = mithril.conv2d %img, %cw {in_channels = 3, out_channels = 16, padding = "valid", dilation = array<i64: 2, 2>} : (tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<?x16x28x28xf32>
  %gw = mithril.parameter "conv2d_1.weight" : tensor<6x1x5x5xf32>
  %5 = mithril.conv2d %img, %gw {groups = 3, in_channels = 3, out_channels = 6, kernel_size = array<i64: 5, 5>, padding = array<i64: 0, 1, 2, 3>} : (tensor<?x3x32x32xf32>, tensor<6x1x5x5xf32>) -> tensor<?x6x29x33xf32>
  %c1w = mithril.parameter "conv1d_0.weight" : tensor<16x8x3xf32>
  %6 = mithril.conv1d %seq, %c1w {in_channels = 8, out_channels = 16} : (tensor<?x8x100xf32>, tensor<16x8x3xf32>) -> tensor<?x16x100xf32>
  %ew = mithril.parameter "embedding_0.weight" : tensor<1000x32xf32>
  %7 = mithril.embedding %ids, %ew {embedding_dim = 32, num_embeddings = 1000} : (tensor<?x16xi64>, tensor<1000x32xf32>) -> tensor<?x16x32xf32>
  mithril.return %0 : tensor<?x10xf32>
}


// CHECK-LABEL: mithril.model @normalisation
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "c16" : tensor<16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "c64" : tensor<64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.batch_norm1d %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {num_features = 16 : i64} : (tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.batch_norm2d %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {eps = 1.000000e-03 : f64, num_features = 64 : i64} : (tensor<?x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x8x8xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.layer_norm %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {normalized_shape = array<i64: 64>} : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.layer_norm %{{[^ ,]+}} {elementwise_affine = false, normalized_shape = array<i64: 16, 64>} : (tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.rms_norm %{{[^ ,]+}}, %{{[^ ,]+}} {normalized_shape = array<i64: 64>} : (tensor<?x16x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.group_norm %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {num_channels = 64 : i64, num_groups = 8 : i64} : (tensor<?x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x8x8xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<?x16xf32>
mithril.model @normalisation(%x: tensor<?x16xf32>, %img: tensor<?x64x8x8xf32>, %seq: tensor<?x16x64xf32>) -> tensor<?x16xf32> {
  %c16 = mithril.parameter "c16" : tensor<16xf32>
  %c64 = mithril.parameter "c64" : tensor<64xf32>
  %0 = mithril.batch_norm1d %x, %c16, %c16, %c16, %c16 {num_features = 16} : (tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  %1 = mithril.batch_norm2d %img, %c64, %c64, %c64, %c64 {eps = 1.0e-03, num_features = 64} : (tensor<?x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x8x8xf32>
  %2 = mithril.layer_norm %seq, %c64, %c64 {normalized_shape = array<i64: 64>} : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  %3 = mithril.layer_norm %seq {elementwise_affine = false, normalized_shape = array<i64: 16, 64>} : (tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  %4 = mithril.rms_norm %seq, %c64 {normalized_shape = array<i64: 64>} : (tensor<?x16x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  %5 = mithril.group_norm %img, %c64, %c64 {num_channels = 64, num_groups = 8} : (tensor<?x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x8x8xf32>
  mithril.return %0 : tensor<?x16xf32>
}


// CHECK-LABEL: mithril.model @pooling
// CHECK-NEXT: %{{[^ ,]+}} = mithril.max_pool2d %{{[^ ,]+}} {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>} : (tensor<?x64x9x9xf32>) -> tensor<?x64x4x4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.max_pool2d %{{[^ ,]+}} {kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>} : (tensor<?x64x9x9xf32>) -> tensor<?x64x3x3xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.avg_pool2d %{{[^ ,]+}} {kernel_size = array<i64: 2, 2>} : (tensor<?x64x9x9xf32>) -> tensor<?x64x4x4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.adaptive_avg_pool2d %{{[^ ,]+}} {output_size = array<i64: 1, 1>} : (tensor<?x64x9x9xf32>) -> tensor<?x64x1x1xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<?x64x4x4xf32>
mithril.model @pooling(%img: tensor<?x64x9x9xf32>) -> tensor<?x64x4x4xf32> {
  %0 = mithril.max_pool2d %img {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>} : (tensor<?x64x9x9xf32>) -> tensor<?x64x4x4xf32>
  %1 = mithril.max_pool2d %img {kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>} : (tensor<?x64x9x9xf32>) -> tensor<?x64x3x3xf32>
  %2 = mithril.avg_pool2d %img {kernel_size = array<i64: 2, 2>} : (tensor<?x64x9x9xf32>) -> tensor<?x64x4x4xf32>
  %3 = mithril.adaptive_avg_pool2d %img {output_size = array<i64: 1, 1>} : (tensor<?x64x9x9xf32>) -> tensor<?x64x1x1xf32>
  mithril.return %0 : tensor<?x64x4x4xf32>
}


// CHECK-LABEL: mithril.model @attention
// CHECK-NEXT: %{{[^ ,]+}} = mithril.scaled_dot_product_attention %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x8x16x64xf32>, tensor<?x8x20x64xf32>, tensor<?x8x20x32xf32>) -> tensor<?x8x16x32xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.scaled_dot_product_attention %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {scale = 1.250000e-01 : f64} : (tensor<?x8x16x64xf32>, tensor<?x8x20x64xf32>, tensor<?x8x20x32xf32>, tensor<16x20xi1>) -> tensor<?x8x16x32xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.scaled_dot_product_attention %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {is_causal = true} : (tensor<?x8x16x64xf32>, tensor<?x8x16x64xf32>, tensor<?x8x16x64xf32>) -> tensor<?x8x16x64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "attn.in_proj_weight" : tensor<192x64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "attn.in_proj_bias" : tensor<192xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "attn.out_proj.weight" : tensor<64x64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.parameter "attn.out_proj.bias" : tensor<64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.multihead_attention %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} bias(%{{[^ ,]+}}, %{{[^ ,]+}}) {embed_dim = 64 : i64, num_heads = 8 : i64} : (tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>, tensor<192xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.multihead_attention %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {embed_dim = 64 : i64, num_heads = 4 : i64} : (tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<?x16x64xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<?x16x64xf32>
mithril.model @attention(%q: tensor<?x8x16x64xf32>, %k: tensor<?x8x20x64xf32>, %v: tensor<?x8x20x32xf32>, %mask: tensor<16x20xi1>, %x: tensor<?x16x64xf32>) -> tensor<?x16x64xf32> {
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<?x8x16x64xf32>, tensor<?x8x20x64xf32>, tensor<?x8x20x32xf32>) -> tensor<?x8x16x32xf32>
  %1 = mithril.scaled_dot_product_attention %q, %k, %v, %mask {scale = 0.125} : (tensor<?x8x16x64xf32>, tensor<?x8x20x64xf32>, tensor<?x8x20x32xf32>, tensor<16x20xi1>) -> tensor<?x8x16x32xf32>
  %2 = mithril.scaled_dot_product_attention %q, %q, %q {is_causal = true} : (tensor<?x8x16x64xf32>, tensor<?x8x16x64xf32>, tensor<?x8x16x64xf32>) -> tensor<?x8x16x64xf32>
  %in_w = mithril.parameter "attn.in_proj_weight" : tensor<192x64xf32>
  %in_b = mithril.parameter "attn.in_proj_bias" : tensor<192xf32>
  %out_w = mithril.parameter "attn.out_proj.weight" : tensor<64x64xf32>
  %out_b = mithril.parameter "attn.out_proj.bias" : tensor<64xf32>
  %3 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w bias(%in_b, %out_b) {embed_dim = 64, num_heads = 8} : (tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>, tensor<192xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  %4 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w {embed_dim = 64, num_heads = 4} : (tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<?x16x64xf32>
  mithril.return %3 : tensor<?x16x64xf32>
}


// CHECK-LABEL: mithril.model @activations
// CHECK-NEXT: %{{[^ ,]+}} = mithril.relu %{{[^ ,]+}} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.leaky_relu %{{[^ ,]+}} {negative_slope = 2.000000e-01 : f64} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.gelu %{{[^ ,]+}} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.gelu %{{[^ ,]+}} {approximate = "tanh"} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.silu %{{[^ ,]+}} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.sigmoid %{{[^ ,]+}} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.tanh %{{[^ ,]+}} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.softplus %{{[^ ,]+}} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.softmax %{{[^ ,]+}} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.log_softmax %{{[^ ,]+}} {dim = 0 : i64} : tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.relu %{{[^ ,]+}} : tensor<?x16xf32> -> tensor<8x16xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<?x16xf32>
mithril.model @activations(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %0 = mithril.relu %x : tensor<?x16xf32>
  %1 = mithril.leaky_relu %0 {negative_slope = 0.2} : tensor<?x16xf32>
  %2 = mithril.gelu %1 : tensor<?x16xf32>
  %3 = mithril.gelu %2 {approximate = "tanh"} : tensor<?x16xf32>
  %4 = mithril.silu %3 : tensor<?x16xf32>
  %5 = mithril.sigmoid %4 : tensor<?x16xf32>
  %6 = mithril.tanh %5 : tensor<?x16xf32>
  %7 = mithril.softplus %6 : tensor<?x16xf32>
  %8 = mithril.softmax %7 : tensor<?x16xf32>
  %9 = mithril.log_softmax %8 {dim = 0} : tensor<?x16xf32>
  %10 = mithril.relu %9 : tensor<?x16xf32> -> tensor<8x16xf32>
  mithril.return %9 : tensor<?x16xf32>
}


// CHECK-LABEL: mithril.model @elementwise
// CHECK-NEXT: %{{[^ ,]+}} = mithril.neg %{{[^ ,]+}} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.abs %{{[^ ,]+}} : tensor<4xi32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.exp %{{[^ ,]+}} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.log %{{[^ ,]+}} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.sqrt %{{[^ ,]+}} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.rsqrt %{{[^ ,]+}} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.sin %{{[^ ,]+}} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.cos %{{[^ ,]+}} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.add %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.sub %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.mul %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.div %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.div %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.pow %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.maximum %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.minimum %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.equal %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xi1>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.less %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xi1>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.greater %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xi1>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.where %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<8x16xi1>, tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.cast %{{[^ ,]+}} to f16 : tensor<?x1x16xf32> -> tensor<?x1x16xf16>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.cast %{{[^ ,]+}} to i1 : tensor<4xi32> -> tensor<4xi1>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.dropout %{{[^ ,]+}} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.dropout %{{[^ ,]+}} {p = 1.000000e-01 : f64} : tensor<?x1x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.pow %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x1x16xf32>, tensor<f32>) -> tensor<?x1x16xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<?x8x16xf32>
mithril.model @elementwise(%x: tensor<?x1x16xf32>, %y: tensor<8x16xf32>, %i: tensor<4xi32>, %m: tensor<8x16xi1>) -> tensor<?x8x16xf32> {
  %0 = mithril.neg %x : tensor<?x1x16xf32>
  %1 = mithril.abs %i : tensor<4xi32>
  %2 = mithril.exp %0 : tensor<?x1x16xf32>
  %3 = mithril.log %2 : tensor<?x1x16xf32>
  %4 = mithril.sqrt %3 : tensor<?x1x16xf32>
  %5 = mithril.rsqrt %4 : tensor<?x1x16xf32>
  %6 = mithril.sin %5 : tensor<?x1x16xf32>
  %7 = mithril.cos %6 : tensor<?x1x16xf32>
  %8 = mithril.add %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %9 = mithril.sub %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %10 = mithril.mul %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %11 = mithril.div %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %12 = mithril.div %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xf32>
  %13 = mithril.pow %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %14 = mithril.maximum %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %15 = mithril.minimum %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %16 = mithril.equal %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xi1>
  %17 = mithril.less %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xi1>
  %18 = mithril.greater %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xi1>
  %19 = mithril.where %m, %x, %y : (tensor<8x16xi1>, tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %20 = mithril.cast %x to f16 : tensor<?x1x16xf32> -> tensor<?x1x16xf16>
  %21 = mithril.cast %i to i1 : tensor<4xi32> -> tensor<4xi1>
  %22 = mithril.dropout %x : tensor<?x1x16xf32>
  %23 = mithril.dropout %22 {p = 0.1} : tensor<?x1x16xf32>
  %c = mithril.constant dense<2.0> : tensor<f32>
  %24 = mithril.pow %x, %c : (tensor<?x1x16xf32>, tensor<f32>) -> tensor<?x1x16xf32>
  mithril.return %8 : tensor<?x8x16xf32>
}


// CHECK-LABEL: mithril.model @shapes
// CHECK-NEXT: %{{[^ ,]+}} = mithril.reshape %{{[^ ,]+}} {shape = ["N", -1]} : (tensor<?x3x4x4xf32>) -> tensor<?x48xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.reshape %{{[^ ,]+}} {shape = [-1, 4, 4]} : (tensor<?x16xf32>) -> tensor<?x4x4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.flatten %{{[^ ,]+}} : (tensor<?x3x4x4xf32>) -> tensor<?x48xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.flatten %{{[^ ,]+}} {end_dim = 2 : i64, start_dim = 0 : i64} : (tensor<?x3x4x4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.transpose %{{[^ ,]+}} {dim0 = 1 : i64, dim1 = -1 : i64} : (tensor<?x3x4x4xf32>) -> tensor<?x4x4x3xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.permute %{{[^ ,]+}} {dims = array<i64: 0, 2, 3, 1>} : (tensor<?x3x4x4xf32>) -> tensor<?x4x4x3xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.unsqueeze %{{[^ ,]+}} {dim = -1 : i64} : (tensor<?x16xf32>) -> tensor<?x16x1xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.squeeze %{{[^ ,]+}} {dim = 2 : i64} : (tensor<?x16x1xf32>) -> tensor<?x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.concat %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} {dim = 1 : i64} : (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x48xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.split %{{[^ ,]+}} {dim = 1 : i64, split_size = 6 : i64} : (tensor<?x16xf32>) -> (tensor<?x6xf32>, tensor<?x6xf32>, tensor<?x4xf32>)
// CHECK-NEXT: %{{[^ ,]+}} = mithril.slice %{{[^ ,]+}} {dim = 1 : i64, end = 12 : i64, start = 4 : i64, step = 2 : i64} : (tensor<?x16xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.slice %{{[^ ,]+}} {dim = 1 : i64, end = 100 : i64, start = -4 : i64} : (tensor<?x16xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.gather %{{[^ ,]+}}, %{{[^ ,]+}} {dim = 1 : i64} : (tensor<?x16xf32>, tensor<?x4xi64>) -> tensor<?x4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.pad %{{[^ ,]+}} {pad = array<i64: 1, 1, 2, 0>} : (tensor<?x3x4x4xf32>) -> tensor<?x3x6x6xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.pad %{{[^ ,]+}} {pad = array<i64: -2, 1>, value = -1.000000e+00 : f64} : (tensor<?x16xf32>) -> tensor<?x15xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<?x48xf32>
mithril.model @shapes(%x: tensor<?x3x4x4xf32>, %y: tensor<?x16xf32>, %idx: tensor<?x4xi64>) -> tensor<?x48xf32> {
  %0 = mithril.reshape %x {shape = ["N", -1]} : (tensor<?x3x4x4xf32>) -> tensor<?x48xf32>
  %1 = mithril.reshape %y {shape = [-1, 4, 4]} : (tensor<?x16xf32>) -> tensor<?x4x4xf32>
  %2 = mithril.flatten %x : (tensor<?x3x4x4xf32>) -> tensor<?x48xf32>
  %3 = mithril.flatten %x {end_dim = 2, start_dim = 0} : (tensor<?x3x4x4xf32>) -> tensor<?x4xf32>
  %4 = mithril.transpose %x {dim0 = 1, dim1 = -1} : (tensor<?x3x4x4xf32>) -> tensor<?x4x4x3xf32>
  %5 = mithril.permute %x {dims = array<i64: 0, 2, 3, 1>} : (tensor<?x3x4x4xf32>) -> tensor<?x4x4x3xf32>
  %6 = mithril.unsqueeze %y {dim = -1} : (tensor<?x16xf32>) -> tensor<?x16x1xf32>
  %7 = mithril.squeeze %6 {dim = 2} : (tensor<?x16x1xf32>) -> tensor<?x16xf32>
  %8 = mithril.concat %y, %y, %7 {dim = 1} : (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x48xf32>
  %9:3 = mithril.split %y {dim = 1, split_size = 6} : (tensor<?x16xf32>) -> (tensor<?x6xf32>, tensor<?x6xf32>, tensor<?x4xf32>)
  %10 = mithril.slice %y {dim = 1, end = 12, start = 4, step = 2} : (tensor<?x16xf32>) -> tensor<?x4xf32>
  %11 = mithril.slice %y {dim = 1, end = 100, start = -4} : (tensor<?x16xf32>) -> tensor<?x4xf32>
  %12 = mithril.gather %y, %idx {dim = 1} : (tensor<?x16xf32>, tensor<?x4xi64>) -> tensor<?x4xf32>
  %13 = mithril.pad %x {pad = array<i64: 1, 1, 2, 0>} : (tensor<?x3x4x4xf32>) -> tensor<?x3x6x6xf32>
  %14 = mithril.pad %y {pad = array<i64: -2, 1>, value = -1.0} : (tensor<?x16xf32>) -> tensor<?x15xf32>
  mithril.return %0 : tensor<?x48xf32>
}


// CHECK-LABEL: mithril.model @matmul
// CHECK-NEXT: %{{[^ ,]+}} = mithril.matmul %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x8x16x64xf32>, tensor<?x8x64x16xf32>) -> tensor<?x8x16x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.matmul %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<64xf32>, tensor<64xf32>) -> tensor<f32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.matmul %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<64xf32>, tensor<64x32xf32>) -> tensor<32xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.matmul %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x8x16x64xf32>, tensor<64xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.matmul %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x8x16x64xf32>, tensor<64x32xf32>) -> tensor<?x8x16x32xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<?x8x16x16xf32>
mithril.model @matmul(%a: tensor<?x8x16x64xf32>, %b: tensor<?x8x64x16xf32>, %v: tensor<64xf32>, %m: tensor<64x32xf32>) -> tensor<?x8x16x16xf32> {
  %0 = mithril.matmul %a, %b : (tensor<?x8x16x64xf32>, tensor<?x8x64x16xf32>) -> tensor<?x8x16x16xf32>
  %1 = mithril.matmul %v, %v : (tensor<64xf32>, tensor<64xf32>) -> tensor<f32>
  %2 = mithril.matmul %v, %m : (tensor<64xf32>, tensor<64x32xf32>) -> tensor<32xf32>
  %3 = mithril.matmul %a, %v : (tensor<?x8x16x64xf32>, tensor<64xf32>) -> tensor<?x8x16xf32>
  %4 = mithril.matmul %a, %m : (tensor<?x8x16x64xf32>, tensor<64x32xf32>) -> tensor<?x8x16x32xf32>
  mithril.return %0 : tensor<?x8x16x16xf32>
}


// CHECK-LABEL: mithril.model @reductions
// CHECK-NEXT: %{{[^ ,]+}} = mithril.sum %{{[^ ,]+}} : (tensor<?x10xf32>) -> tensor<f32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.sum %{{[^ ,]+}} {dim = array<i64: 1>} : (tensor<4x5xi32>) -> tensor<4xi64>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.sum %{{[^ ,]+}} {dim = array<i64: 0, 1>, keepdim = true} : (tensor<4x5xi1>) -> tensor<1x1xi64>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.mean %{{[^ ,]+}} {dim = array<i64: -1>, keepdim = true} : (tensor<?x10xf32>) -> tensor<?x1xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.max %{{[^ ,]+}} {dim = array<i64: 0>} : (tensor<?x10xf32>) -> tensor<10xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.min %{{[^ ,]+}} {dim = array<i64: 1>} : (tensor<4x5xi32>) -> tensor<4xi32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.argmax %{{[^ ,]+}} {dim = 1 : i64} : (tensor<?x10xf32>) -> tensor<?xi64>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.argmax %{{[^ ,]+}} : (tensor<?x10xf32>) -> tensor<i64>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.argmax %{{[^ ,]+}} {keepdim = true} : (tensor<?x10xf32>) -> tensor<1x1xi64>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.variance %{{[^ ,]+}} {dim = array<i64: 1>} : (tensor<?x10xf32>) -> tensor<?xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.variance %{{[^ ,]+}} {correction = 0 : i64, keepdim = true} : (tensor<?x10xf32>) -> tensor<1x1xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<f32>
mithril.model @reductions(%x: tensor<?x10xf32>, %i: tensor<4x5xi32>, %b: tensor<4x5xi1>) -> tensor<f32> {
  %0 = mithril.sum %x : (tensor<?x10xf32>) -> tensor<f32>
  %1 = mithril.sum %i {dim = array<i64: 1>} : (tensor<4x5xi32>) -> tensor<4xi64>
  %2 = mithril.sum %b {dim = array<i64: 0, 1>, keepdim = true} : (tensor<4x5xi1>) -> tensor<1x1xi64>
  %3 = mithril.mean %x {dim = array<i64: -1>, keepdim = true} : (tensor<?x10xf32>) -> tensor<?x1xf32>
  %4 = mithril.max %x {dim = array<i64: 0>} : (tensor<?x10xf32>) -> tensor<10xf32>
  %5 = mithril.min %i {dim = array<i64: 1>} : (tensor<4x5xi32>) -> tensor<4xi32>
  %6 = mithril.argmax %x {dim = 1} : (tensor<?x10xf32>) -> tensor<?xi64>
  %7 = mithril.argmax %x : (tensor<?x10xf32>) -> tensor<i64>
  %8 = mithril.argmax %x {keepdim = true} : (tensor<?x10xf32>) -> tensor<1x1xi64>
  %9 = mithril.variance %x {dim = array<i64: 1>} : (tensor<?x10xf32>) -> tensor<?xf32>
  %10 = mithril.variance %x {correction = 0, keepdim = true} : (tensor<?x10xf32>) -> tensor<1x1xf32>
  mithril.return %0 : tensor<f32>
}


// CHECK-LABEL: mithril.model @losses
// CHECK-NEXT: %{{[^ ,]+}} = mithril.cross_entropy_loss %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.cross_entropy_loss %{{[^ ,]+}}, %{{[^ ,]+}} {reduction = "sum"} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.cross_entropy_loss %{{[^ ,]+}}, %{{[^ ,]+}} {reduction = "none"} : (tensor<?x10x4x4xf32>, tensor<?x4x4xi64>) -> tensor<?x4x4xf32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.mse_loss %{{[^ ,]+}}, %{{[^ ,]+}} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
// CHECK-NEXT: %{{[^ ,]+}} = mithril.mse_loss %{{[^ ,]+}}, %{{[^ ,]+}} {reduction = "none"} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
// CHECK-NEXT: mithril.return %{{[^ ,]+}} : tensor<f32>
mithril.model @losses(%logits: tensor<?x10xf32>, %labels: tensor<?xi64>, %probs: tensor<?x10xf32>, %img: tensor<?x10x4x4xf32>, %pix: tensor<?x4x4xi64>) -> tensor<f32> {
  %0 = mithril.cross_entropy_loss %logits, %labels : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
  %1 = mithril.cross_entropy_loss %logits, %probs {reduction = "sum"} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
  %2 = mithril.cross_entropy_loss %img, %pix {reduction = "none"} : (tensor<?x10x4x4xf32>, tensor<?x4x4xi64>) -> tensor<?x4x4xf32>
  %3 = mithril.mse_loss %logits, %probs : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
  %4 = mithril.mse_loss %logits, %probs {reduction = "none"} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  mithril.return %0 : tensor<f32>
}
