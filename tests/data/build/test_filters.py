import numpy as np
import pytest
from PIL import Image

from chromalab.data.build.filters import dhash, hamming, is_black_or_flat, is_grey_or_sepia
from tests.conftest import sample_rgb, synthetic_rgb


def slow_dhash(rgb, size=8):
    grey = np.asarray(Image.fromarray((rgb * 255).astype(np.uint8)).convert("L").resize((size + 1, size), Image.BOX))
    value = 0
    for y in range(size):
        for x in range(size):
            value = value * 2 + (1 if int(grey[y, x + 1]) > int(grey[y, x]) else 0)
    return value


def test_dhash_matches_slow_reference_and_finds_near_duplicates():
    a = sample_rgb("coffee", 200) / 255.0
    assert dhash(a) == slow_dhash(a)
    smaller = np.asarray(Image.fromarray(sample_rgb("coffee", 200)).resize((150, 100))) / 255.0
    assert hamming(dhash(a), dhash(smaller)) <= 4
    assert hamming(dhash(a), dhash(sample_rgb("chelsea", 200) / 255.0)) > 10


def test_grey_and_sepia_are_flagged_colour_is_not():
    colour = sample_rgb("astronaut", 128) / 255.0
    grey = np.repeat(colour.mean(2, keepdims=True), 3, 2)
    sepia = grey * np.array([1.0, 0.85, 0.6])
    assert not is_grey_or_sepia(colour) and is_grey_or_sepia(grey) and is_grey_or_sepia(sepia)
    assert not is_grey_or_sepia(synthetic_rgb(1) / 255.0)


def test_black_and_flat_frames():
    assert is_black_or_flat(np.zeros((32, 32, 3))) and is_black_or_flat(np.full((32, 32, 3), 0.5))
    assert not is_black_or_flat(sample_rgb("chelsea", 64) / 255.0)


@pytest.mark.parametrize("bits", [0, 3, 4, 6, 10])
def test_dhash_index_agrees_with_a_plain_scan(bits):
    import random

    from chromalab.data.build.filters import DHashIndex, hamming
    rng = random.Random(bits)
    base = [rng.getrandbits(64) for _ in range(40)]
    kept: list[int] = []
    index = DHashIndex(bits)
    for _ in range(1500):  # near copies of a few bases (flipped bits) and random hashes
        h = rng.getrandbits(64)
        if rng.random() < 0.7:
            h = rng.choice(base)
            for b in rng.sample(range(64), rng.randint(0, bits + 2)):
                h ^= 1 << b
        assert index.near(h) == any(hamming(h, k) <= bits for k in kept)
        if not index.near(h):
            index.add(h)
            kept.append(h)
    assert len(index) == len(kept)
