"""Picture folders read right (every PIL mode, EXIF orientation, grey detection, crop and pad),
decoded once into the picture cache (reused, invalidated, the same bits on any number of
workers) and described in one `data:` line; checked against pixel values worked out by hand."""
import os
import warnings

import numpy as np
import pytest
from PIL import Image

from wgan.cli import main
from wgan.data import load_data, read_image_folder
from wgan.data.decode import decode
from wgan.data.listing import cache_key, list_folder
from wgan.data.picture_cache import decode_into
from wgan.data.rows import Rows
from wgan.errors import ConfigError, DataError

from pictures import grey_pictures


def picture(array, mode):
    if mode == "1":  # Image.fromarray does not pack a bool array into mode "1"
        return Image.new("1", array.shape[::-1], int(array.flat[0]))
    return Image.fromarray(array, mode) if mode else Image.fromarray(array)


def one_pixel(tmp_path, array, mode, suffix=".png", **save):
    """A 2x2 picture of one value in `mode`, read back at 2x2 in 1 and 3 channels."""
    path = tmp_path / f"p{suffix}"
    picture(array, mode).save(path, **save)
    grey, grey_flag = decode(path, 2, 1)
    rgb, rgb_flag = decode(path, 2, 3)
    return grey[:, 0, 0].tolist(), rgb[:, 0, 0].tolist(), grey_flag


# mode: (array of a 2x2 picture, what it is saved as, grey value, RGB value, grey?) by hand:
# I;16 v -> round(v / 257); I in [0, 65535] -> round(v / 257); F in [0, 1] -> round(255 v);
# alpha a over white: round((c a + 255 (255 - a)) / 255); luma (299 R + 587 G + 114 B) / 1000.
def _cases():
    full = lambda value, dtype, *shape: np.full((2, 2, *shape), value, dtype)  # noqa: E731
    return {
        "1": (full(True, bool), "1", ".png", [255], [255, 255, 255], True),
        "L": (full(77, np.uint8), "L", ".png", [77], [77, 77, 77], True),
        "LA": (full([200, 102], np.uint8, 2), "LA", ".png", [233], [233, 233, 233], True),  # (200*102+255*153)/255
        "RGB": (full([255, 0, 0], np.uint8, 3), "RGB", ".png", [76], [255, 0, 0], False),  # 299*255/1000
        # blue at alpha 51 over white: (204, 204, 255), luma (299*204 + 587*204 + 114*255) / 1000 = 209.8
        "RGBA": (full([0, 0, 255, 51], np.uint8, 4), "RGBA", ".png", [210], [204, 204, 255], False),
        "I;16": (full(1285, np.uint16), None, ".png", [5], [5, 5, 5], True),   # 1285 / 257 = 5
        "I": (full(65535 // 3, np.int32), "I", ".tiff", [85], [85, 85, 85], True),  # 21845 / 257 = 85
        "F": (full(0.2, np.float32), "F", ".tiff", [51], [51, 51, 51], True),  # 0.2 * 255 = 51
        "CMYK": (full([0, 255, 255, 0], np.uint8, 4), "CMYK", ".tiff", [76], [255, 0, 0], False),
    }


@pytest.mark.parametrize("mode", list(_cases()))
def test_every_mode_is_read_at_its_hand_computed_value(tmp_path, mode):
    array, pil_mode, suffix, grey, rgb, is_grey = _cases()[mode]
    with picture(array, pil_mode) as image:
        assert image.mode == mode
    got_grey, got_rgb, flag = one_pixel(tmp_path, array, pil_mode, suffix)
    assert got_grey == grey and got_rgb == rgb and flag == is_grey


def test_a_palette_picture_is_read_through_its_palette_and_its_transparency_over_white(tmp_path):
    image = Image.new("P", (2, 2), 1)
    image.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    image.save(tmp_path / "p.png")
    assert decode(tmp_path / "p.png", 2, 3)[0][:, 0, 0].tolist() == [10, 20, 30]
    image.save(tmp_path / "t.png", transparency=1)  # colour 1 fully transparent -> white
    assert decode(tmp_path / "t.png", 2, 3)[0][:, 0, 0].tolist() == [255, 255, 255]
    grey = Image.new("P", (2, 2), 1)
    grey.putpalette([0, 0, 0, 90, 90, 90] + [0] * 762)
    grey.save(tmp_path / "g.png")
    assert decode(tmp_path / "g.png", 2, 3)[1] is True


def test_sixteen_bit_pictures_keep_their_range_instead_of_turning_white(tmp_path):
    ramp = (np.arange(16, dtype=np.uint16).reshape(4, 4) * 4369)  # 0 ... 65535 in steps of 17 * 257
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    grey, _ = decode(tmp_path / "ramp.png", 4, 1)
    assert grey[0].tolist() == (np.arange(16).reshape(4, 4) * 17).tolist()


def test_wide_integer_and_float_ranges_are_stretched_from_min_to_max(tmp_path):
    values = np.array([[-1000, 0], [1000, 3000]], np.int32)  # outside 0..65535: min..max -> 0..255
    Image.fromarray(values, "I").save(tmp_path / "i.tiff")
    assert decode(tmp_path / "i.tiff", 2, 1)[0][0].tolist() == [[0, 64], [128, 255]]  # (v+1000)*255/4000
    floats = np.array([[0, 10], [300, 510]], np.float32)  # beyond 255: stretched
    Image.fromarray(floats, "F").save(tmp_path / "f.tiff")
    assert decode(tmp_path / "f.tiff", 2, 1)[0][0].tolist() == [[0, 5], [150, 255]]


# EXIF orientation n as the EXIF 2.3 standard words it (tag 274): what turns the stored picture upright
MIRROR = lambda a: a[:, ::-1]  # noqa: E731  mirror horizontal
CW = lambda a, turns=1: np.rot90(a, -turns)  # noqa: E731  rotate clockwise
UPRIGHT = {1: lambda a: a, 2: MIRROR, 3: lambda a: CW(a, 2), 4: lambda a: a[::-1],
           5: lambda a: CW(MIRROR(a), 3), 6: CW, 7: lambda a: CW(MIRROR(a)), 8: lambda a: CW(a, 3)}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(tmp_path, orientation):
    stored = np.zeros((16, 24, 3), np.uint8)  # 24 wide, 16 high; four blocks of distinct colours
    stored[:8, :12] = (250, 0, 0)
    stored[:8, 12:] = (0, 250, 0)
    stored[8:, :12] = (0, 0, 250)
    stored[8:, 12:] = (250, 250, 250)
    image = Image.fromarray(stored)
    exif = image.getexif()
    exif[274] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    image.save(path, exif=exif, quality=100)
    upright = UPRIGHT[orientation](stored)
    read, _ = decode(path, 8, 3, "pad")  # pad keeps the whole picture, so the layout can be compared
    side = max(upright.shape[:2])
    canvas = np.zeros((side, side, 3), np.uint8)
    top, left = (side - upright.shape[0]) // 2, (side - upright.shape[1]) // 2
    canvas[top:top + upright.shape[0], left:left + upright.shape[1]] = upright
    truth = np.asarray(Image.fromarray(canvas).resize((8, 8), Image.BOX)).transpose(2, 0, 1)
    # block centres only (JPEG blurs the edges): every quadrant's colour where the truth has it
    for y, x in [(2, 2), (2, 5), (5, 2), (5, 5)]:
        assert np.abs(read[:, y, x].astype(int) - truth[:, y, x].astype(int)).max() < 40, (orientation, y, x)


def test_crop_keeps_the_central_square_and_pad_the_whole_picture_on_black(tmp_path):
    stripe = np.zeros((20, 60), np.uint8)
    stripe[:, 20:40] = 255  # the white middle third is exactly the central square
    Image.fromarray(stripe, "L").save(tmp_path / "a.png")
    crop, _ = decode(tmp_path / "a.png", 10, 1, "crop")
    assert crop[0, :, 1:-1].min() == 255 and crop.min() > 200  # bicubic reaches one pixel past the square
    pad, _ = decode(tmp_path / "a.png", 12, 1, "pad")  # 60x20 -> 12x4, rows 4..7
    assert pad[0, :4].max() == 0 and pad[0, 8:].max() == 0
    assert pad[0, 5:7, 5:7].min() > 240 and pad[0, 5:7, :3].max() < 15


def test_a_grey_folder_is_one_channel_unless_told_and_a_colour_picture_makes_it_rgb(tmp_path):
    folder = grey_pictures(tmp_path / "grey", 6)
    data = load_data(str(folder), image_size=16)
    assert data.shape == (1, 16, 16) and "16x16 grey (every picture is grey)" in data.summary
    assert load_data(str(folder), image_size=16, channels=3).shape == (3, 16, 16)
    Image.fromarray(np.full((16, 16, 3), (200, 20, 20), np.uint8)).save(folder / "red.png")
    assert load_data(str(folder), image_size=16).shape == (3, 16, 16)


def test_the_data_line_counts_classes_and_skipped_and_says_cached(tmp_path):
    folder = tmp_path / "pets"
    for name, n in (("cat", 3), ("dog", 4)):
        grey_pictures(folder / name, n)
    (folder / "dog" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.warns(UserWarning, match="skipped 1 unreadable image.*broken.png"):
        first = load_data(str(folder), image_size=16, channels=3)
    assert first.summary.startswith(f"data: {folder}/, 7 images in 2 classes (cat 3, dog 4), 1 unreadable skipped, "
                                    "16x16 RGB, decoded in ")
    assert first.summary.endswith("now cached")
    with pytest.warns(UserWarning):
        second = load_data(str(folder), image_size=16, channels=3)
    assert second.summary.endswith("16x16 RGB, cached")
    assert np.array_equal(np.asarray(first.train), np.asarray(second.train))
    assert np.array_equal(first.train_labels, second.train_labels)
    assert isinstance(second.train, Rows) and not second.train.base.flags.writeable  # the map, read-only


def test_the_cache_is_rebuilt_when_a_file_changes(tmp_path):
    folder = grey_pictures(tmp_path / "f", 4)
    before = read_image_folder(folder, 16, channels=1)
    key = cache_key(list_folder(folder), 16, 1, "crop")
    Image.fromarray(np.full((16, 16), 7, np.uint8)).save(folder / "0.png")
    os.utime(folder / "0.png", ns=(1, 1))  # another modification time, whatever the clock
    assert cache_key(list_folder(folder), 16, 1, "crop") != key
    after = read_image_folder(folder, 16, channels=1)
    assert (after[0] == 7).all() and np.array_equal(after[1:], before[1:])


def test_two_workers_write_the_same_bits_as_one_process(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "mixed"
    folder.mkdir()
    for i in range(300):  # three chunks
        shape = (int(rng.integers(8, 30)), int(rng.integers(8, 30)), 3)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(folder / f"{i:03d}.{'png' if i % 2 else 'jpg'}")
    (folder / "999.png").write_bytes(b"junk")
    listing = list_folder(folder)
    results = []
    for workers in (0, 2):
        path = tmp_path / f"w{workers}.npy"
        grey, failed, used = decode_into(path, listing, 16, 3, "crop", workers)
        results.append((np.load(path), grey, failed))
        assert used == workers
    assert np.array_equal(results[0][0], results[1][0])
    assert results[0][2] == results[1][2] == {300: "UnidentifiedImageError"}


def test_caching_off_decodes_into_memory_and_keeps_nothing(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    folder = grey_pictures(tmp_path / "f", 4)
    monkeypatch.setenv("WGAN_CACHE_DIR", "")
    data = load_data(str(folder), image_size=16)
    assert data.summary.endswith("not cached") and data.train.base.flags.writeable  # in memory
    monkeypatch.setenv("WGAN_CACHE_DIR", str(cache))
    load_data(str(folder), image_size=16)
    assert len(list((cache / "pictures").glob("*.npy"))) == 1
    assert not [p for p in (cache / "pictures").iterdir() if p.name.startswith("building-")]


def test_a_mixed_layout_says_why_it_has_no_labels(tmp_path, capsys):
    folder = tmp_path / "mixed"
    grey_pictures(folder / "cat", 4)
    grey_pictures(folder / "dog", 4)
    grey_pictures(folder, 2)
    data = load_data(str(folder), image_size=16)
    assert data.classes == () and "0.png" in data.why_unlabelled
    with pytest.raises(DataError, match="lie directly in it"):
        data.sample_labelled(2, np.random.default_rng(0))
    assert main(["train", "--data", str(folder), "--steps", "1", "--out", str(tmp_path / "run"), "--image-size", "16",
                 "--set", "model.kind='dcgan'", "--set", "model.conditional='projection'", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("error") == 1 and "Traceback" not in err
    assert "needs labelled data" in err and "lie directly in it" in err


def test_an_unsupported_size_is_refused_before_any_picture_is_decoded(tmp_path, capsys, monkeypatch):
    folder = grey_pictures(tmp_path / "f", 4)
    import wgan.data.picture_cache as cache

    def refuse(*args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr(cache, "decode_into", refuse)
    assert main(["train", "--data", str(folder), "--steps", "1", "--out", str(tmp_path / "run"), "--image-size", "48",
                 "--set", "model.kind='dcgan'", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("error") == 1 and "Traceback" not in err and "got 48" in err and "16, 32, 64 or 128" in err


def test_fit_is_checked_and_refused_where_it_has_no_effect(tmp_path):
    folder = grey_pictures(tmp_path / "f", 2)
    with pytest.raises(DataError, match="data.fit = 'zoom'"):
        load_data(str(folder), image_size=16, fit="zoom")
    from wgan.config import load_config

    with pytest.raises(ConfigError, match="data.fit"):
        load_config(None, ["data.name='digits'", "data.fit='pad'"])


def test_a_split_is_a_view_of_the_map_and_train_limit_keeps_it_so(tmp_path):
    folder = grey_pictures(tmp_path / "f", 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_data(str(folder), image_size=16, holdout_fraction=0.2)
    from wgan.data import limit_training_set

    limited = limit_training_set(data, 3)
    assert isinstance(limited.train, Rows) and limited.train.base is data.train.base
    assert np.array_equal(np.asarray(limited.train), np.asarray(data.train)[:3])
    every = np.concatenate([data.train.index, data.holdout.index])
    assert sorted(every.tolist()) == list(range(10))
    batch = data.sample(5, np.random.default_rng(0))
    assert batch.shape == (5, 1, 16, 16) and batch.dtype == np.float32


def test_the_fingerprint_of_a_cached_split_is_that_of_its_pixels_and_is_kept(tmp_path, monkeypatch):
    from wgan.data.fingerprint import fingerprint

    folder = grey_pictures(tmp_path / "f", 12)
    monkeypatch.setenv("WGAN_CACHE_DIR", str(tmp_path / "cache"))
    first = fingerprint(load_data(str(folder), image_size=16), str(folder))
    kept = list((tmp_path / "cache" / "pictures" / "digests").glob("*.txt"))
    second = fingerprint(load_data(str(folder), image_size=16), str(folder))
    monkeypatch.setenv("WGAN_CACHE_DIR", "")
    data = load_data(str(folder), image_size=16)
    in_memory = fingerprint(data, str(folder))
    assert first == second == in_memory and len(kept) == 2
    import hashlib

    plain = np.ascontiguousarray(np.asarray(data.holdout))
    truth = hashlib.sha256(f"{plain.dtype.str}{plain.shape}".encode() + plain.tobytes()).hexdigest()
    assert in_memory["heldout_sha256"] == truth


def test_classes_whose_names_sort_apart_from_their_paths_keep_their_labels(tmp_path):
    folder = tmp_path / "f"
    grey_pictures(folder / "cat", 2, level=30)     # "cat-b/..." sorts before "cat/..." ('-' < '/')
    grey_pictures(folder / "cat-b", 3, level=220)
    listing = list_folder(folder)
    assert listing.classes == ("cat", "cat-b")
    assert {p: int(k) for p, k in zip(listing.paths, listing.labels)} == {
        "cat/0.png": 0, "cat/1.png": 0, "cat-b/0.png": 1, "cat-b/1.png": 1, "cat-b/2.png": 1}
    data = load_data(str(folder), image_size=16, holdout_fraction=0.4)
    pixels = np.concatenate([np.asarray(data.train), np.asarray(data.holdout)]).mean(axis=(1, 2, 3))
    labels = np.concatenate([data.train_labels, data.holdout_labels])
    assert ((pixels > 128) == (labels == 1)).all()


def test_what_a_killed_build_left_is_swept_when_a_day_old(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("WGAN_CACHE_DIR", str(cache))
    old, fresh = cache / "pictures" / "building-old", cache / "pictures" / "building-fresh"
    for stale in (old, fresh):
        stale.mkdir(parents=True)
        (stale / "pictures.npy").write_bytes(b"partial")
    os.utime(old, (0, 0))
    load_data(str(grey_pictures(tmp_path / "f", 3)), image_size=16)
    assert not old.exists() and fresh.exists()  # a fresh one may be another run's build in progress
