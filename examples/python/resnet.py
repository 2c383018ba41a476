"""The residual network of the Mithril overview, written as there, compiled
for this CPU and run on a batch of images.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/resnet.py
"""
import numpy as np

import mithril as ml
from mithril.models import *

# Build a residual block
res_block = Model()
res_block |= Conv2d(64, 64)(output="conv1")
res_block += BatchNorm2d(64)(input="conv1", output="bn1")
res_block += ReLU()(input="bn1", output="relu1")
res_block += Conv2d(64, 64)(input="relu1", output="conv2")
res_block += BatchNorm2d(64)(input="conv2", output="conv2_bn")
res_block += Add()(left="input", right="conv2_bn", output="output")

# Use it in a larger model
model = Model()
model |= Conv2d(3, 64)
model += MaxPool2d(kernel_size=3, stride=2)
model += res_block
model += res_block
model += Flatten()
model += Linear(64, 10)

# Any batch size: N stays a symbol of the compiled library.
compiled = ml.compile(model, ml.CPUBackend(), shapes={"input": ["N", 3, 4, 4]})
print(compiled)
params = compiled.randomize_params(seed=0)
print("%d parameters, %d values" % (len(params), sum(p.size for p in params.values())))

images = np.random.default_rng(1).standard_normal((4, 3, 4, 4)).astype(np.float32)
logits = compiled.evaluate(params, {"input": images})["output"]
for i, row in enumerate(logits):
    print("image %d: class %d" % (i, row.argmax()))
