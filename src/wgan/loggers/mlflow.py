"""MLflow with a local file store, run_dir/mlruns (`wgan[mlflow]`; mlflow-skinny suffices):
the scalars as metrics at their step, the config as parameters, figures as artifacts under
figures/. Read it with MLflow's own client, `MlflowClient(tracking_uri=<run_dir/mlruns as a
file: URI>)`, or `mlflow ui --backend-store-uri run_dir/mlruns`.

MLflow 3.18 keeps its file store in maintenance mode and refuses it unless
MLFLOW_ALLOW_FILE_STORE=true; this logger sets that variable while it is open and restores
it on close (set it yourself to read the store back). A resumed run continues its MLflow run.
"""
from __future__ import annotations

import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping



ALLOW_FILE_STORE = "MLFLOW_ALLOW_FILE_STORE"


class MlflowLogger:
    """One MLflow run in the experiment `experiment` of run_dir/mlruns."""

    requires = "mlflow"  # the package it needs, checked before the run starts

    def __init__(self, experiment: str = "wgan") -> None:
        self.experiment, self.client, self.run_id = experiment, None, None
        self.previous_env: str | None = None

    def start(self, run_dir: Path, config: Mapping[str, Any]) -> None:
        from ..config import flat_settings, plain_data

        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            from . import missing_extra

            raise missing_extra("mlflow", "mlflow (or mlflow-skinny)") from None
        from mlflow.entities import Param

        self.previous_env = os.environ.get(ALLOW_FILE_STORE)
        os.environ[ALLOW_FILE_STORE] = "true"
        uri = (Path(run_dir).absolute() / "mlruns").as_uri()
        self.client = client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        experiment = client.get_experiment_by_name(self.experiment)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(self.experiment)
        earlier = client.search_runs([experiment_id], max_results=1, order_by=["attributes.start_time DESC"])
        if earlier:  # a resumed run: its parameters are logged already (and cannot change)
            self.run_id = earlier[0].info.run_id
            client.update_run(self.run_id, status="RUNNING")
            return
        self.run_id = client.create_run(experiment_id, run_name=Path(run_dir).name).info.run_id
        params = [Param(k, str(v)) for k, v in flat_settings(plain_data(config)).items()]
        for i in range(0, len(params), 100):  # MLflow takes at most 100 parameters a batch
            client.log_batch(self.run_id, params=params[i:i + 100])

    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[
            Metric(k, float(v), now, step) for k, v in metrics.items()
            if isinstance(v, (int, float)) and math.isfinite(v)])

    def log_image(self, step: int, name: str, png: bytes) -> None:
        """figures/<name>_stepNNNNNN.png, the bytes as they are."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{name}_step{step:06d}.png"
            path.write_bytes(png)
            self.client.log_artifact(self.run_id, str(path), artifact_path="figures")

    def close(self) -> None:
        if self.client is not None:
            self.client.set_terminated(self.run_id)
            self.client = None
            if self.previous_env is None:
                os.environ.pop(ALLOW_FILE_STORE, None)
            else:
                os.environ[ALLOW_FILE_STORE] = self.previous_env
