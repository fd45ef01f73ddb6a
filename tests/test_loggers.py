"""Every logger gets the scalars of metrics.jsonl and the figures on disk, read back with each
tool's own reader: TensorBoard's EventAccumulator, W&B's `wandb leet inspect --json` on the
offline run, MLflow's MlflowClient on the file store. A new logger is one registry line."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import wgan.loggers
from wgan.cli import main
from wgan.config import load_config
from wgan.loggers import LOGGERS
from wgan.runs import read_metrics

TINY = ["--data", "digits", "--image-size", "16", "--steps", "4", "--no-progress", "--set", "train.batch_size=16",
        "--set", "eval.every=2", "--set", "eval.samples=64", "--set", "eval.log_every=1", "--set", "train.threads=1",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8"]


def _scalars(run):
    """{key: [(step, value), ...]} of metrics.jsonl's finite numbers, the truth each logger must hold."""
    series = {}
    for record in read_metrics(run):
        for key, value in record.items():
            if key != "step" and isinstance(value, (int, float)) and math.isfinite(value):
                series.setdefault(key, []).append((record["step"], value))
    return series


def _figures(run):
    """{(step, name): PNG bytes} of what Figures wrote: samples at each evaluation, curves at the end."""
    figures = {(int(p.stem[-6:]), "samples"): p.read_bytes() for p in (run / "figures").glob("samples_step*.png")}
    return {**figures, (4, "curves"): (run / "figures" / "curves.png").read_bytes()}


class MemoryLogger:
    """A user's logger: keeps everything it is given."""
    instances = []

    def __init__(self):
        self.calls, self.metrics, self.images = [], [], {}
        MemoryLogger.instances.append(self)

    def start(self, run_dir, config):
        self.calls.append(("start", Path(run_dir), config["train"]["steps"]))

    def log_metrics(self, step, metrics):
        self.metrics.append({"step": step, **metrics})

    def log_image(self, step, name, png):
        self.images[(step, name)] = png

    def close(self):
        self.calls.append(("close",))


def test_a_new_logger_is_one_registry_line(tmp_path, monkeypatch):
    monkeypatch.setitem(LOGGERS, "memory", MemoryLogger)
    MemoryLogger.instances.clear()
    run = tmp_path / "run"
    assert main(["train", "--out", str(run), *TINY, "--set", 'eval.loggers=["jsonl", "memory"]']) == 0
    (logger,) = MemoryLogger.instances
    assert logger.calls == [("start", run, 4), ("close",)]
    assert logger.metrics == read_metrics(run)  # every line, as metrics.jsonl has it
    assert logger.images == _figures(run) and len(logger.images) == 4  # steps 0, 2, 4 and the curves
    assert 'loggers = [\n    "jsonl",\n    "memory",\n]' in (run / "config.toml").read_text()


def test_wandb_offline_and_mlflow_file_store_read_back(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    pytest.importorskip("mlflow")
    pytest.importorskip("tensorboard")
    for variable in ("WANDB_MODE", "WANDB_DIR", "MLFLOW_TRACKING_URI"):  # what a user's shell may say
        monkeypatch.setenv(variable, {"WANDB_MODE": "online"}.get(variable, str(tmp_path / "elsewhere")))
    run = tmp_path / "run"
    assert main(["train", "--out", str(run), *TINY,
                 "--set", 'eval.loggers=["jsonl", "tensorboard", "wandb", "mlflow"]']) == 0
    assert not (tmp_path / "elsewhere").exists()
    scalars, figures = _scalars(run), _figures(run)

    # W&B: one offline run in run/wandb, read with W&B's own reader of its run files
    (offline,) = (run / "wandb").glob("offline-run-*")
    printed = subprocess.run([sys.executable, "-m", "wandb", "leet", "inspect", "--json", str(offline)],
                             capture_output=True, text=True, check=True, timeout=120).stdout
    rows = [json.loads(line)["history"]["item"] for line in printed.splitlines() if '"type":"history"' in line]
    for key, series in scalars.items():
        assert [(r["step"], r[key]) for r in rows if key in r] == series, key
    images = {(r["step"], k[:-len(".path")]): (offline / "files" / r[k]).read_bytes()
              for r in rows for k in r if k.endswith(".path")}
    assert images == figures

    # MLflow: run/mlruns, read with MlflowClient
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3.18 refuses its file store otherwise
    client = MlflowClient(tracking_uri=(run / "mlruns").absolute().as_uri())
    (found,) = client.search_runs([client.get_experiment_by_name("wgan").experiment_id])
    assert found.info.status == "FINISHED" and found.data.params["train.steps"] == "4"
    for key, series in scalars.items():
        history = client.get_metric_history(found.info.run_id, key)
        assert sorted((m.step, m.value) for m in history) == series, key
    folder = client.download_artifacts(found.info.run_id, "figures", str(tmp_path / "download"))
    assert {(int(p.stem[-6:]), p.stem[:-len("_step000000")]): p.read_bytes()
            for p in Path(folder).iterdir()} == figures

    # TensorBoard, as before: the same scalars
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"scalars": 0}).Reload()
    w1 = events.Scalars("w1")
    assert [e.step for e in w1] == [s for s, _ in scalars["w1"]]
    assert [e.value for e in w1] == pytest.approx([v for _, v in scalars["w1"]], rel=1e-6)  # float32


def test_a_missing_extra_is_one_line_before_anything_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(wgan.loggers, "find_spec", lambda name: None)  # as if wandb were not installed
    run = tmp_path / "run"
    assert main(["train", "--out", str(run), *TINY, "--set", 'eval.loggers=["jsonl", "wandb"]']) == 2
    assert capsys.readouterr().err == ("wgan: error: eval.loggers names 'wandb', which needs the wandb package: "
                                       "pip install 'wgan[wandb]' (or take 'wandb' out of eval.loggers)\n")
    assert not run.exists()


def test_eval_tensorboard_of_older_configs_still_loads(tmp_path):
    default = load_config(None).eval.loggers
    assert default[0] == "jsonl" and set(default) <= {"jsonl", "tensorboard"}
    assert load_config(None, ["eval.tensorboard='off'"]).eval.loggers == ("jsonl",)
    assert load_config(None, ["eval.tensorboard='on'"]).eval.loggers == ("jsonl", "tensorboard")
    assert load_config(None, ["eval.tensorboard='auto'"]).eval.loggers == default
    assert load_config(None, ['eval.loggers=["jsonl", "mlflow"]', "eval.tensorboard='on'"]).eval.loggers == (
        "jsonl", "mlflow", "tensorboard")
    old = tmp_path / "old.toml"
    old.write_text('[eval]\nevery = 7\ntensorboard = "off"\n')
    config = load_config(old)
    assert config.eval.loggers == ("jsonl",) and config.eval.every == 7
    assert "tensorboard" not in config.to_toml()  # written back as eval.loggers only
    assert load_config(Path(__file__).parent / "data" / "run_before_callbacks" / "config.toml").eval.loggers == (
        "jsonl",)


@pytest.mark.parametrize("value, message", [
    ("wandb", "eval.loggers = 'wandb': expected a list of names, e.g. eval.loggers = [\"jsonl\", \"tensorboard\"]"),
    ('["jsonl", "neptune"]', "eval.loggers = ['jsonl', 'neptune']: 'neptune' is not one of jsonl, tensorboard, "
                             "wandb, mlflow"),
    ('["jsonl", "jsonl"]', "eval.loggers = ['jsonl', 'jsonl']: 'jsonl' is listed twice"),
    ('["wandb"]', "eval.loggers = ['wandb']: \"jsonl\" must be among them"),
])
def test_bad_loggers_are_one_line_naming_the_value(tmp_path, capsys, value, message):
    assert main(["train", "--out", str(tmp_path / "run"), *TINY, "--set", f"eval.loggers={value}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"wgan: error: {message}") and err.count("\n") == 1
    assert main(["train", "--out", str(tmp_path / "run"), *TINY, "--set", "eval.tensorboard=sometimes"]) == 2
    assert "eval.tensorboard = 'sometimes': allowed values are auto, on, off" in capsys.readouterr().err
