// RUN: mlc-opt %s --convert-mithril-to-linalg --verify-diagnostics

// u8 needs unsigned arithmetic, which the conversion does not do yet.
mithril.model @bytes(%x: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{failed to legalize operation 'mithril.add'}}
  %0 = mithril.add %x, %x : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  mithril.return %0 : tensor<4xui8>
}
