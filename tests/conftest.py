import os
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")
# kept floors go to a folder of this test session's own (subprocesses inherit it)
os.environ.setdefault("WGAN_CACHE_DIR", tempfile.mkdtemp(prefix="wgan-test-cache-"))
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture
def tiny_overrides():
    """Config overrides that make a training run take a second or two."""
    return ["train.steps=20", "train.batch_size=32", "eval.every=10", "eval.samples=200",
            "eval.log_every=5", "eval.checkpoint_every=10", "eval.tensorboard='off'",
            "train.threads=1"]
