// The residual network of the Mithril overview (`tiny_resnet` in
// spec/model-format.md), written by hand in the mithril dialect in the form
// the model-file importer gives (`mlc-translate --import-model
// examples/tiny_resnet.json`), with the block generic in its spatial dims:
// the block `res_block` is a model of its own, used
// twice, and each instance owns its parameters (res_block_0.conv1.weight,
// ...). The batch `N` is dynamic.
//
//   mlc-opt examples/tiny_resnet.mlir --mithril-infer-shapes

mithril.model @res_block(%input: tensor<?x64x?x?xf32> {mithril.name = "input"})
    -> (tensor<?x64x?x?xf32> {mithril.name = "output"}) {
  %conv1.weight = mithril.parameter "conv1.weight" : tensor<64x64x3x3xf32>
  %conv1.bias = mithril.parameter "conv1.bias" : tensor<64xf32>
  %conv1 = mithril.conv2d %input, %conv1.weight, %conv1.bias {in_channels = 64, out_channels = 64, padding = array<i64: 1, 1>}
      : (tensor<?x64x?x?xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<?x64x?x?xf32>
  %bn1.weight = mithril.parameter "bn1.weight" : tensor<64xf32>
  %bn1.bias = mithril.parameter "bn1.bias" : tensor<64xf32>
  %bn1.running_mean = mithril.parameter "bn1.running_mean" : tensor<64xf32>
  %bn1.running_var = mithril.parameter "bn1.running_var" : tensor<64xf32>
  %bn1 = mithril.batch_norm2d %conv1, %bn1.weight, %bn1.bias, %bn1.running_mean, %bn1.running_var {num_features = 64}
      : (tensor<?x64x?x?xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x?x?xf32>
  %relu1 = mithril.relu %bn1 : tensor<?x64x?x?xf32>
  %conv2.weight = mithril.parameter "conv2.weight" : tensor<64x64x3x3xf32>
  %conv2.bias = mithril.parameter "conv2.bias" : tensor<64xf32>
  %conv2 = mithril.conv2d %relu1, %conv2.weight, %conv2.bias {in_channels = 64, out_channels = 64, padding = array<i64: 1, 1>}
      : (tensor<?x64x?x?xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<?x64x?x?xf32>
  %bn2.weight = mithril.parameter "bn2.weight" : tensor<64xf32>
  %bn2.bias = mithril.parameter "bn2.bias" : tensor<64xf32>
  %bn2.running_mean = mithril.parameter "bn2.running_mean" : tensor<64xf32>
  %bn2.running_var = mithril.parameter "bn2.running_var" : tensor<64xf32>
  %conv2_bn = mithril.batch_norm2d %conv2, %bn2.weight, %bn2.bias, %bn2.running_mean, %bn2.running_var {num_features = 64}
      : (tensor<?x64x?x?xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x?x?xf32>
  %output = mithril.add %input, %conv2_bn : (tensor<?x64x?x?xf32>, tensor<?x64x?x?xf32>) -> tensor<?x64x?x?xf32>
  mithril.return %output : tensor<?x64x?x?xf32>
}

mithril.model @tiny_resnet(%input: tensor<?x3x4x4xf32> {mithril.name = "input", mithril.dims = ["N", 3, 4, 4]})
    -> (tensor<?x?xf32> {mithril.name = "output"}) {
  %conv2d_0.weight = mithril.parameter "conv2d_0.weight" : tensor<64x3x3x3xf32>
  %conv2d_0.bias = mithril.parameter "conv2d_0.bias" : tensor<64xf32>
  %0 = mithril.conv2d %input, %conv2d_0.weight, %conv2d_0.bias {in_channels = 3, out_channels = 64, padding = array<i64: 1, 1>}
      : (tensor<?x3x4x4xf32>, tensor<64x3x3x3xf32>, tensor<64xf32>) -> tensor<?x64x?x?xf32>
  %1 = mithril.max_pool2d %0 {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>}
      : (tensor<?x64x?x?xf32>) -> tensor<?x64x?x?xf32>
  %2 = mithril.instance "res_block_0" of @res_block(%1) : (tensor<?x64x?x?xf32>) -> tensor<?x64x?x?xf32>
  %3 = mithril.instance "res_block_1" of @res_block(%2) : (tensor<?x64x?x?xf32>) -> tensor<?x64x?x?xf32>
  %4 = mithril.flatten %3 : (tensor<?x64x?x?xf32>) -> tensor<?x?xf32>
  %linear_0.weight = mithril.parameter "linear_0.weight" : tensor<10x64xf32>
  %linear_0.bias = mithril.parameter "linear_0.bias" : tensor<10xf32>
  %5 = mithril.linear %4, %linear_0.weight, %linear_0.bias {in_features = 64, out_features = 10}
      : (tensor<?x?xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  mithril.return %5 : tensor<?x10xf32>
}
