"""The real-vs-real W1 floor kept on disk by content, and POT's exact solvers imported without
the rest of POT (scikit-learn, scipy.stats): the values are POT's own."""
import json
import subprocess
import sys

import numpy as np
import pytest

from wgan import floors
from wgan.transport import wasserstein


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WGAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "floors"


def sets(seed, n=300, d=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.normal(size=(n, d)).astype(np.float32)


def refuse_to_solve(*args, **kwargs):
    raise AssertionError("the floor was solved again instead of read back")


def test_the_floor_is_the_exact_w1_and_is_read_back_without_solving(cache, monkeypatch):
    reference, real = sets(0)
    value = floors.w1_floor(reference, real)
    assert value == wasserstein(reference, real)
    (kept,) = cache.iterdir()
    assert json.loads(kept.read_text())["value"] == value
    monkeypatch.setattr(floors, "wasserstein", refuse_to_solve)
    assert floors.w1_floor(reference.copy(), real.copy()) == value  # by content, not identity
    assert floors.w1_floor(reference.astype(np.float64), real) == value  # float32 is float64 exactly


def test_other_sets_other_shapes_and_swapped_sets_are_solved_anew(cache):
    reference, real = sets(1)
    floors.w1_floor(reference, real)
    other = real.copy()
    other[0, 0] += 1e-6
    assert floors.w1_floor(reference, other) == wasserstein(reference, other)
    floors.w1_floor(real, reference)
    images = floors.w1_floor(reference.reshape(300, 1, 2), real.reshape(300, 2, 1))
    assert images == wasserstein(reference, real)
    assert len(list(cache.iterdir())) == 3  # (1, 2) and (2, 1) per-sample shapes flatten alike


def test_a_corrupt_file_is_solved_again_and_replaced(cache):
    reference, real = sets(2)
    value = floors.w1_floor(reference, real)
    (kept,) = cache.iterdir()
    kept.write_text("{not json")
    assert floors.w1_floor(reference, real) == value
    assert json.loads(kept.read_text())["value"] == value


def test_an_empty_cache_dir_setting_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("WGAN_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    assert floors.cache_dir() is None
    reference, real = sets(3)
    assert floors.w1_floor(reference, real) == wasserstein(reference, real)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_still_gives_the_floor(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder would go")
    monkeypatch.setenv("WGAN_CACHE_DIR", str(blocker))
    reference, real = sets(4)
    assert floors.w1_floor(reference, real) == wasserstein(reference, real)


def test_default_cache_location_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("WGAN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert floors.cache_dir() == tmp_path / "wgan"


POT_PACKAGE = """
import sys
import numpy as np
from wgan.transport import wasserstein
from wgan.transport.exact import earth_movers_distance
rng = np.random.default_rng(0)
x, y = rng.normal(size=(2500, 2)), rng.normal(size=(2500, 2)) + 0.3
dense = wasserstein(x[:400], y[:400])
sparse = wasserstein(x, y)  # 6.25e6 pairs: the sparse route
plan_cost = earth_movers_distance(np.ones(3), np.ones(3), np.arange(9.0).reshape(3, 3)).cost
heavy = sorted(m for m in ("ot", "sklearn", "scipy.stats") if m in sys.modules)
import ot
from scipy.spatial.distance import cdist
whole = ot.emd2([], [], cdist(x[:400], y[:400]), numItermax=10**7)
whole_sparse = ot.emd2([], [], cdist(x, y), numItermax=10**8)
print(heavy, dense == whole, abs(sparse - whole_sparse) <= 1e-10 * whole_sparse, plan_cost,
      sys.modules["ot.lp"] is ot.lp, sum(m is ot.lp for m in sys.modules.values()), callable(ot.sinkhorn))
"""


def test_exact_solvers_use_pot_as_a_package_with_one_copy_of_each_module():
    """The exact solvers import POT whole (`import ot`, its public API), once: ot.lp is the module
    in sys.modules and no second copy of it exists, and the rest of POT works beside them."""
    out = subprocess.run([sys.executable, "-c", POT_PACKAGE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['ot',", "'scipy.stats',", "'sklearn']", "True", "True", "12.0", "True", "1",
                                  "True"]
