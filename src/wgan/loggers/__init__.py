"""Where a run's scalars and figures go: one interface, one file per logger, one registry.

Every logger is an object with these four methods (the `Logger` protocol of `wgan.protocols`),
called by the main process only:

    start(run_dir: Path, config: Mapping[str, Any]) -> None     once, the run directory ready
    log_metrics(step: int, metrics: Mapping[str, float]) -> None  every logged line
    log_image(step: int, name: str, png: bytes) -> None          every figure, as PNG bytes
    close() -> None                                              at the end, errors included

`eval.loggers` names those a run uses, from `LOGGERS` below (default: jsonl, plus tensorboard
when it is installed); `wgan.train(..., loggers=[...])` adds objects of one's own. The older
key `eval.tensorboard` still loads: "off" takes "tensorboard" out of eval.loggers, "on" puts
it in, "auto" leaves the default (see `wgan.config`).

A new logger is one file and one line. For example src/wgan/loggers/csv.py:

    class CsvLogger:
        def start(self, run_dir, config):
            self.file = open(Path(run_dir) / "metrics.csv", "a")
        def log_metrics(self, step, metrics):
            self.file.write(",".join([str(step), *map(str, metrics.values())]) + "\\n")
        def log_image(self, step, name, png):
            pass
        def close(self):
            self.file.close()

and here `"csv": CsvLogger,`. A logger whose package is an optional extra names it in a class
attribute `requires` (checked before anything is written) and imports it in `start`, so that
`import wgan` stays light.
"""
from __future__ import annotations

from importlib.util import find_spec
from typing import Any, Callable

from ..errors import WganError
from .jsonl import JsonlLogger
from .mlflow import MlflowLogger
from .tensorboard import TensorBoardLogger
from .wandb import WandbLogger

LOGGERS: dict[str, Callable[[], Any]] = {
    "jsonl": JsonlLogger,
    "tensorboard": TensorBoardLogger,
    "wandb": WandbLogger,
    "mlflow": MlflowLogger,
}

__all__ = ["LOGGERS", "JsonlLogger", "MlflowLogger", "TensorBoardLogger", "WandbLogger", "make_loggers",
           "missing_extra"]


def missing_extra(name: str, package: str) -> WganError:
    """The one line for a logger named in eval.loggers whose package is not installed."""
    return WganError(f"eval.loggers names {name!r}, which needs the {package} package: "
                     f"pip install 'wgan[{name}]' (or take {name!r} out of eval.loggers)")


def make_loggers(names: tuple[str, ...] | list[str]) -> list[Any]:
    """One new logger per name in `names` (eval.loggers), in that order."""
    unknown = [n for n in names if n not in LOGGERS]
    if unknown:
        raise WganError(f"eval.loggers = {list(names)}: {unknown[0]!r} is not a logger; "
                        f"loggers: {', '.join(LOGGERS)}")
    for name in names:
        package = getattr(LOGGERS[name], "requires", None)
        if package and find_spec(package) is None:
            raise missing_extra(name, package)
    return [LOGGERS[name]() for name in names]
