
import numpy as np
import pytest
import torch

from wgan.config import load_config
from wgan.errors import WganError
from wgan.runs import load_checkpoint, read_metrics
from wgan.loop import train
from wgan.steps import n_critic_at


def _metrics_without_time(run_dir):
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in read_metrics(run_dir)]


def test_short_seeded_run_lowers_w1_substantially(tmp_path):
    config = load_config("default", ["train.steps=1000", "eval.every=1000", "eval.samples=500",
                                     "eval.tensorboard='off'", "eval.figures=false"])
    result = train(config, tmp_path / "run", progress=False)
    records = read_metrics(tmp_path / "run")
    start, end = records[0], records[-1]
    assert start["step"] == 0 and end["step"] == 1000
    assert end["w1"] < 0.25 * start["w1"]
    assert end["modes"] >= 6
    assert result.final == end


def test_same_seed_gives_same_metrics_and_other_seed_does_not(tmp_path, tiny_overrides):
    runs = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        config = load_config("default", tiny_overrides + [f"train.seed={seed}", "eval.figures=false"])
        train(config, tmp_path / name, progress=False)
        runs[name] = _metrics_without_time(tmp_path / name)
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]


def test_metrics_log_has_the_contracted_keys(tmp_path, tiny_overrides):
    train(load_config("default", tiny_overrides), tmp_path / "run", progress=False)
    records = read_metrics(tmp_path / "run")
    assert [r["step"] for r in records] == [0, 5, 10, 15, 20]
    for r in records:
        assert {"step", "wall_s", "critic_w_estimate"} <= set(r)
    for r in records[::2]:  # steps 0, 10, 20 are evaluation steps
        assert {"w1", "w1_floor", "critic_lipschitz", "modes", "high_quality"} <= set(r)
        assert 0.0 <= r["high_quality"] <= 1.0
    run = tmp_path / "run"
    assert (run / "config.toml").is_file()
    assert {p.name for p in (run / "figures").iterdir()} >= {"landscape.png", "curves.png",
                                                             "landscape_step000010.png"}


def test_checkpoint_holds_everything_to_resume_exactly(tmp_path, tiny_overrides):
    overrides = tiny_overrides + ["optim.lr_schedule='constant'", "eval.figures=false"]
    train(load_config("default", overrides), tmp_path / "full", progress=False)
    half = load_config("default", overrides + ["train.steps=10"])
    train(half, tmp_path / "half", progress=False)
    train(load_config("default", overrides), tmp_path / "half", resume=True, progress=False)
    full, resumed = load_checkpoint(tmp_path / "full"), load_checkpoint(tmp_path / "half")
    assert resumed["step"] == full["step"] == 20
    for net in ("generator", "critic"):
        for key, value in full[net].items():
            assert torch.equal(value, resumed[net][key]), f"{net}.{key} differs after resume"
    steps = [r["step"] for r in read_metrics(tmp_path / "half")]
    assert steps == sorted(set(steps))  # every logged step exactly once


def test_checkpoint_is_data_only(tmp_path, tiny_overrides):
    train(load_config("default", tiny_overrides + ["eval.figures=false"]), tmp_path / "run", progress=False)
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert state["format"] == "wgan-checkpoint-1" and state["step"] == 20
    assert state["config"]["train"]["steps"] == 20
    assert (tmp_path / "run" / "checkpoint.prev.pt").is_file()


def test_a_pickle_that_runs_code_is_refused(tmp_path):
    import os
    import pickle

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    raw = tmp_path / "raw.pt"  # a bare pickle, not torch's zip format
    with open(raw, "wb") as f:
        pickle.dump({"generator": Evil()}, f)
    with pytest.raises(WganError, match="not a checkpoint"):
        load_checkpoint(raw)
    saved = tmp_path / "saved.pt"  # torch's format, asking for os.system
    torch.save({"generator": Evil()}, saved)
    with pytest.raises(WganError, match=r"holds an object of type \S*system, and loading it would run code"):
        load_checkpoint(saved)
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["random bytes", "cut short", "empty"])
def test_a_damaged_checkpoint_is_named_as_such_without_unsafe_advice(tmp_path, damage):
    good = tmp_path / "good.pt"
    torch.save({"generator": {"w": torch.ones(1000)}}, good)
    data = {"random bytes": np.random.default_rng(0).bytes(4000), "cut short": good.read_bytes()[:-300],
            "empty": b""}[damage]
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(data)
    with pytest.raises(WganError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert "not a checkpoint" in message or "truncated or corrupted" in message
    assert "weights_only" not in message and "likely succeed" not in message and "\n" not in message


def test_truncated_checkpoint_is_a_clear_error(tmp_path, tiny_overrides):
    train(load_config("default", tiny_overrides + ["eval.figures=false"]), tmp_path / "run", progress=False)
    path = tmp_path / "run" / "checkpoint.pt"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(WganError, match="truncated or corrupted"):
        load_checkpoint(path)


def test_existing_run_directory_is_not_overwritten(tmp_path, tiny_overrides):
    config = load_config("default", tiny_overrides + ["eval.figures=false"])
    train(config, tmp_path / "run", progress=False)
    before = (tmp_path / "run" / "metrics.jsonl").read_text()
    with pytest.raises(WganError, match="already exists; pass overwrite=True"):
        train(config, tmp_path / "run", progress=False)
    assert (tmp_path / "run" / "metrics.jsonl").read_text() == before
    train(config, tmp_path / "run", overwrite=True, progress=False)


@pytest.mark.parametrize("constraint", ["none", "weight_clipping", "gradient_penalty",
                                        "one_sided_penalty", "spectral_norm"])
@pytest.mark.parametrize("fused", [True, False])
def test_every_constraint_trains(tmp_path, tiny_overrides, constraint, fused):
    config = load_config("default", tiny_overrides + [f"constraint.name='{constraint}'",
                                                      f"train.fused_critic_pass={str(fused).lower()}",
                                                      "eval.figures=false", "train.steps=10"])
    result = train(config, tmp_path / "run", progress=False)
    assert result.step == 10 and np.isfinite(result.final["w1"])
    if constraint == "weight_clipping":
        critic = load_checkpoint(tmp_path / "run")["critic"]
        assert max(v.abs().max().item() for v in critic.values()) <= config.constraint.clip_value


def test_fused_and_separate_critic_passes_agree(tmp_path, tiny_overrides):
    finals = []
    for fused in ("true", "false"):
        config = load_config("default", tiny_overrides + [f"train.fused_critic_pass={fused}",
                                                          "eval.figures=false", "train.steps=5"])
        train(config, tmp_path / fused, progress=False)
        finals.append(load_checkpoint(tmp_path / fused)["generator"])
    for key in finals[0]:
        assert torch.allclose(finals[0][key], finals[1][key], atol=1e-5)


def test_paper_schedule():
    config = load_config("default", ["train.paper_schedule=true", "train.n_critic=5"])
    assert [n_critic_at(s, config) for s in (0, 24, 25, 26, 499, 500, 501, 1000)] == [
        100, 100, 5, 5, 5, 100, 5, 100]
    plain = load_config("default", ["train.n_critic=5"])
    assert {n_critic_at(s, plain) for s in (0, 24, 500)} == {5}


def test_tensorboard_events_read_back(tmp_path, tiny_overrides):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    config = load_config("default", tiny_overrides + ["eval.tensorboard='on'"])
    train(config, tmp_path / "run", progress=False)
    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"), size_guidance={"images": 0}).Reload()
    logged = {r["step"]: r for r in read_metrics(tmp_path / "run") if "w1" in r}
    w1 = {e.step: e.value for e in events.Scalars("w1")}
    assert w1.keys() == logged.keys()
    assert all(w1[s] == pytest.approx(logged[s]["w1"], rel=1e-6) for s in w1)
    assert "landscape" in events.Tags()["images"] and "curves" in events.Tags()["images"]


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_and_resumes(tmp_path, tiny_overrides, precision):
    overrides = tiny_overrides + [f"train.precision='{precision}'", "eval.figures=false"]
    result = train(load_config("default", overrides), tmp_path / "run", progress=False)
    assert result.step == 20 and np.isfinite(result.final["w1"])
    state = load_checkpoint(tmp_path / "run")
    assert bool(state["generator_scaler"]) == (precision == "fp16")  # loss scaling only for fp16
    train(load_config("default", overrides + ["train.steps=30"]), tmp_path / "run", resume=True, progress=False)
    assert read_metrics(tmp_path / "run")[-1]["step"] == 30


def test_channels_last_gives_the_same_training(tmp_path):
    finals = []
    for flag in ("false", "true"):
        config = load_config("dcgan-wgan-gp", ["data.image_size=16", "train.steps=2", "train.batch_size=8",
                                               "eval.every=2", "eval.samples=32", "eval.figures=false",
                                               "eval.tensorboard='off'", "model.generator_width=8",
                                               "model.critic_width=8", f"train.channels_last={flag}"])
        train(config, tmp_path / flag, progress=False)
        finals.append(load_checkpoint(tmp_path / flag)["critic"])
    for key in finals[0]:
        assert torch.allclose(finals[0][key], finals[1][key], atol=1e-4), key


def _compiler_available() -> bool:
    import shutil

    return torch._dynamo.is_dynamo_supported() and any(shutil.which(cc) for cc in ("cc", "gcc", "g++", "clang"))


@pytest.mark.skipif(not _compiler_available(), reason="torch.compile needs dynamo and a C/C++ compiler on CPU")
@pytest.mark.parametrize("extra", [[], ["objective.name='cramer'", "objective.instance_noise=0.1"]],
                         ids=["wgan-gp", "cramer-gp-instance-noise"])
def test_compiled_steps_give_the_losses_of_eager_steps(tmp_path, extra):
    """train.compile: the penalty's input gradient goes through torch.func.grad in the compiled
    graph. Same losses step by step as eager (a small learning rate keeps Adam's sign-like first
    steps from magnifying float rounding differences)."""
    logs = {}
    for flag in ("false", "true"):
        config = load_config("default", ["train.steps=6", "train.batch_size=32", "eval.every=6",
                                         "eval.samples=64", "eval.log_every=1", "eval.figures=false",
                                         "eval.tensorboard='off'", "model.critic_width=16",
                                         "model.generator_width=16", "optim.lr_critic=1e-4",
                                         "optim.lr_generator=1e-4", f"train.compile={flag}"] + extra)
        train(config, tmp_path / flag, progress=False)
        logs[flag] = read_metrics(tmp_path / flag)
    keys = [k for k in logs["false"][1] if k.endswith(("_estimate", "_loss")) or k == "penalty"]
    assert "generator_loss" in keys and len(logs["false"]) == len(logs["true"]) == 7
    for eager, compiled in zip(logs["false"][1:], logs["true"][1:]):
        for key in keys:
            assert compiled[key] == pytest.approx(eager[key], rel=1e-3, abs=1e-5), (eager["step"], key)


def test_a_compiler_failure_is_one_clear_error(tmp_path, tiny_overrides, monkeypatch):
    def failing_compile(fn, **kwargs):
        def run(*args):
            raise torch._dynamo.exc.TorchDynamoException("InvalidCxxCompiler: No working C++ compiler found")
        return run

    monkeypatch.setattr(torch, "compile", failing_compile)
    config = load_config("default", tiny_overrides + ["train.compile=true", "eval.figures=false"])
    with pytest.raises(WganError, match="torch.compile failed: InvalidCxxCompiler.*set train.compile = false"):
        train(config, tmp_path / "run", progress=False)


@pytest.mark.parametrize("objective, divergence", [("wasserstein", "kl"), ("gan", "kl"), ("fgan", "neyman"),
                                                   ("fgan", "kl"), ("cramer", "kl")])
def test_one_divergence_watch_for_every_objective(objective, divergence):
    import warnings

    from wgan.recipe import make_objective
    from wgan.callbacks import CriticWatch, DivergenceWarning

    obj = make_objective(objective, divergence=divergence)
    key = obj.estimate_key
    watch = CriticWatch(obj, constrained=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        watch.check({"step": 0, "w1": 1.0, f"eval_{key}": 0.5, "critic_lipschitz": 1.0})
        watch.check({"step": 5, key: 0.7})  # a training line, plausible
    with pytest.warns(DivergenceWarning, match=f"step 25: {key} = 7.9e\\+25"):
        watch.check({"step": 25, key: 7.9e25})  # a training line between evaluations
    with pytest.warns(DivergenceWarning, match="Lipschitz constant is 45.0"):
        watch.check({"step": 50, "w1": 1.0, f"eval_{key}": 0.5, "critic_lipschitz": 45.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        watch.check({"step": 75, key: 7.9e25})  # each warning once
