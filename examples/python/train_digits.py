"""Trains a small CNN on scikit-learn's 8x8 digits (bundled with it: nothing
is downloaded) with Mithril, and prints its accuracy on held-out digits.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/train_digits.py [--check]

The model is composed in Python, compiled for this CPU, given PyTorch's
initial values, and trained with Adam and cross-entropy: mlc-compile
--train builds the forward pass, the gradients and Adam's update into one
`train_step`. With --check, the exit status is 1 unless the test accuracy
reaches 95%.
"""
import argparse
import sys
import time

import numpy as np
from sklearn.datasets import load_digits

import mithril as ml
from mithril.models import *

BATCH = 64
EPOCHS = 9
LEARNING_RATE = 1e-2


def build_model():
    """[N, 1, 8, 8] images in, [N, 10] logits out."""
    model = Model(name="digits")
    model |= Conv2d(1, 16, kernel_size=3, padding=1, name="conv1")
    model += ReLU()
    model += MaxPool2d(2)                          # 16 x 4 x 4
    model += Conv2d(16, 32, kernel_size=3, padding=1, name="conv2")
    model += ReLU()
    model += MaxPool2d(2)                          # 32 x 2 x 2
    model += Flatten()
    model += Linear(32 * 2 * 2, 10, name="fc")
    return model


def load_data(seed=0, test_size=360):
    """((train images, labels), (test images, labels)): the 1797 digits
    scaled to [0, 1] as [N, 1, 8, 8] float32, labels int64, split at random
    with a fixed seed."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    test, train = order[:test_size], order[test_size:]
    return (images[train], labels[train]), (images[test], labels[test])


class Batches:
    """(images, labels) batches of `size`, the last one smaller; shuffled
    anew at each pass when `seed` is given (a new epoch, a new order)."""

    def __init__(self, images, labels, size, seed=None):
        self.images, self.labels, self.size = images, labels, size
        self.rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        return -(-len(self.labels) // self.size)

    def __iter__(self):
        order = (self.rng.permutation(len(self.labels)) if self.rng is not None
                 else np.arange(len(self.labels)))
        for start in range(0, len(order), self.size):
            chosen = order[start:start + self.size]
            yield self.images[chosen], self.labels[chosen]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 unless the test accuracy is >= 95%%")
    arguments = parser.parse_args()

    (train_images, train_labels), (test_images, test_labels) = load_data()
    start = time.time()
    # N stays a symbol: one library for the batches of 64 and the last,
    # smaller one.
    compiled = ml.compile(build_model(), ml.CPUBackend(),
                          shapes={"input": ["N", 1, 8, 8]})
    compiled.params = compiled.randomize_params(seed=0)
    trainer = ml.Trainer(model=compiled, optimizer=ml.Adam(learning_rate=LEARNING_RATE),
                         loss=ml.CrossEntropyLoss())
    print("compiled in %.1f s: %s" % (time.time() - start, trainer))

    train = Batches(train_images, train_labels, BATCH, seed=1)
    test = Batches(test_images, test_labels, BATCH)
    start = time.time()
    for epoch in range(arguments.epochs):
        # A step schedule: the learning rate halves every 3 epochs.
        trainer.learning_rate = LEARNING_RATE * 0.5 ** (epoch // 3)
        (loss,) = trainer.train(train)
        result = trainer.evaluate(test)
        print("epoch %d: train loss %.4f, test loss %.4f, test accuracy %.3f"
              % (epoch + 1, loss, result["loss"], result["accuracy"]))
    print("trained in %.1f s" % (time.time() - start))

    # The compiled model now runs with the trained parameters.
    predictions = compiled(input=test_images)["output"].argmax(axis=1)
    accuracy = float(np.mean(predictions == test_labels))
    print("test accuracy: %.3f" % accuracy)
    if arguments.check and accuracy < 0.95:
        print("the accuracy is below 0.95", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
