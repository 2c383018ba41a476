// An input with a dynamic dim that has no symbol: no model file can say it.
mithril.model @m(%x: tensor<?x4xf32> {mithril.name = "x"}) -> tensor<?x4xf32> {
  %0 = mithril.relu %x : tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}
