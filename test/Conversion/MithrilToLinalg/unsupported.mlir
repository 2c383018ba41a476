// RUN: mlc-opt %s --convert-mithril-to-linalg --verify-diagnostics

// A u8 exponent above 127 would read as negative in signless arithmetic:
// u8 pow is not lowered.
mithril.model @bytes(%x: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{failed to legalize operation 'mithril.pow'}}
  %0 = mithril.pow %x, %x : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  mithril.return %0 : tensor<4xui8>
}
