"""POT's exact solvers (`ot.lp`: the network simplex of Bonneel et al. 2011) without the rest
of POT.

`import ot` runs POT's whole package, whose Bregman and low-rank modules import
scikit-learn and scipy.stats: ~0.75 s of a training run's start-up, for solvers that live
in `ot.lp` and need only numpy, scipy and POT's backend module. `lp()` imports `ot.lp` under
a bare stand-in for the `ot` package and then takes every `ot` module back out of
sys.modules, so a later `import ot` (Sinkhorn, a user's own code) loads POT whole and as
usual. Where POT is already imported, or its layout differs, it is plain `ot.lp`.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

_LOCK = threading.Lock()
_CACHE: list[types.ModuleType] = []


def lp() -> types.ModuleType:
    """POT's `ot.lp` module (emd, emd2, emd_wrap, ...), importing as little of POT as it can."""
    if "ot" in sys.modules and not getattr(sys.modules["ot"], "_wgan_stand_in", False):
        return importlib.import_module("ot").lp
    with _LOCK:
        if not _CACHE:
            _CACHE.append(_import_alone())
    return _CACHE[0]


def _import_alone() -> types.ModuleType:
    spec = importlib.util.find_spec("ot")
    if spec is None or not spec.submodule_search_locations:
        return importlib.import_module("ot").lp  # raises POT's own ImportError
    stand_in = types.ModuleType("ot")
    stand_in.__path__ = list(spec.submodule_search_locations)
    stand_in.__spec__ = spec
    stand_in._wgan_stand_in = True
    sys.modules["ot"] = stand_in
    try:
        module = importlib.import_module("ot.lp")
        module.emd_wrap  # the compiled solvers
    except (ImportError, AttributeError):
        module = None
    finally:
        for name in [n for n in sys.modules if n == "ot" or n.startswith("ot.")]:
            del sys.modules[name]
    return module if module is not None else importlib.import_module("ot").lp
