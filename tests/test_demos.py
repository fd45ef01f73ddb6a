import numpy as np
import pytest

from wgan.cli import main
from wgan.demos import expected_sample_gradients, monte_carlo_sample_gradients, vanishing_gradients


def test_expected_sample_gradients_match_monte_carlo():
    theta = np.array([0.1, 0.35, 0.6])
    exact = expected_sample_gradients(theta, theta_star=0.3, m=5)
    for i, t in enumerate(theta):
        w, c = monte_carlo_sample_gradients(t, 0.3, 5, draws=200_000, seed=i)
        assert w == pytest.approx(exact["wasserstein_expected"][i], abs=0.01)
        assert c == pytest.approx(exact["cramer_expected"][i], abs=0.01)


def test_wasserstein_sample_gradient_is_biased_and_cramer_is_not():
    theta = np.linspace(0, 1, 101)
    case = expected_sample_gradients(theta, theta_star=0.3, m=2)
    # P(p_hat = 0) = 0.49, P(p_hat = 0.5) = 0.42: for theta in (0, 0.5) the expected sample
    # gradient is 0.49 - 0.51 = -0.02, though the true gradient is +1 above theta* = 0.3
    at = np.searchsorted(theta, 0.4)
    assert case["wasserstein_expected"][at] == pytest.approx(0.49 - 0.51)
    assert case["wasserstein_true"][at] == 1.0
    assert case["wasserstein_sample_minimiser"] == 0.5
    assert np.allclose(case["cramer_expected"], case["cramer_true"])


def test_discriminator_saturates_where_the_critic_stays_linear():
    demo = vanishing_gradients(steps=800)
    at_fake = np.argmin(np.abs(demo.x - demo.fake_mean))
    # relative to its own steepest slope, the discriminator is flat at the fake samples...
    relative = lambda g: abs(g[at_fake]) / np.abs(g).max()
    assert relative(demo.discriminator_grad) < 1e-3
    # ...while both critics keep a slope of the same order as anywhere else
    for grads in demo.critic_grads.values():
        assert relative(grads) > 0.1
    penalised = demo.critic_grads["WGAN critic, gradient penalty"]
    assert 0.5 < abs(penalised[at_fake]) < 2.0  # a slope near 1, the penalty's target


def test_demos_from_the_cli(tmp_path, capsys):
    assert main(["demo", "vanishing-gradients", "--steps", "200", "--out", str(tmp_path / "v.png")]) == 0
    assert main(["demo", "biased-gradients", "--sample-sizes", "1", "3", "--theta-star", "0.3",
                 "--out", str(tmp_path / "b.png")]) == 0
    printed = capsys.readouterr().out
    assert "GAN discriminator" in printed and "Wasserstein" in printed
    assert (tmp_path / "v.png").stat().st_size > 10_000 and (tmp_path / "b.png").stat().st_size > 10_000
    assert main(["demo", "biased-gradients", "--theta-star", "1.5", "--out", str(tmp_path / "x.png")]) == 2


@pytest.mark.parametrize("objective", ["gan", "fgan", "cramer"])
@pytest.mark.parametrize("constraint", ["none", "gradient_penalty", "spectral_norm", "weight_clipping"])
def test_every_objective_trains_with_every_constraint(tmp_path, objective, constraint):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--steps", "3", "--no-progress", "--set", f"objective.name={objective}",
                 "--set", f"constraint.name={constraint}", "--set", "train.batch_size=16", "--set", "eval.every=3",
                 "--set", "eval.samples=64", "--set", "eval.tensorboard='off'", "--set", "eval.figures=false",
                 "--set", "objective.instance_noise=0.1", "--set", "optim.lr_critic=1e-4",
                 "--set", "optim.lr_generator=1e-4",
                 *(["--set", "objective.cramer_dim=8"] if objective == "cramer" else [])]) == 0
    from wgan.runs import read_metrics

    last = read_metrics(out)[-1]
    key = {"gan": "critic_js_estimate", "fgan": "critic_kl_estimate", "cramer": "critic_cramer_estimate"}[objective]
    assert key in last and f"eval_{key}" in last and np.isfinite(last[f"eval_{key}"])


def test_instance_noise_decays_to_zero():
    from wgan.config import load_config
    from wgan.steps import instance_noise_at

    config = load_config("default", ["objective.instance_noise=0.4", "train.steps=100"])
    assert [instance_noise_at(s, config) for s in (0, 50, 100)] == pytest.approx([0.4, 0.2, 0.0])
