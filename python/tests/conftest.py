"""pytest setup: the package from build/python (ctest sets PYTHONPATH and
MITHRIL_CACHE_DIR), and the PyTorch references of examples/make_weights.py."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples"))
