import numpy as np
import pytest
from PIL import Image

from tests.conftest import sample_rgb, synthetic_rgb


@pytest.fixture
def source_dir(tmp_path):
    """8 good colour photos, plus one each: grey, sepia, near-duplicate, too small, corrupt."""
    d = tmp_path / "src"
    (d / "deep").mkdir(parents=True)
    for i in range(6):
        Image.fromarray(synthetic_rgb(i, 160)).save(d / f"syn{i}.png")
    Image.fromarray(sample_rgb("coffee", 200)).save(d / "deep" / "coffee.jpg", quality=95)
    Image.fromarray(sample_rgb("astronaut", 200)).save(d / "deep" / "astronaut.png")
    Image.fromarray(sample_rgb("chelsea", 200)).convert("L").save(d / "grey.png")
    grey = np.asarray(Image.fromarray(sample_rgb("rocket", 200)).convert("L"), dtype=np.float32) / 255
    sepia = np.stack([grey * 1.0, grey * 0.85, grey * 0.6], -1)
    Image.fromarray((sepia * 255).astype(np.uint8)).save(d / "sepia.png")
    Image.fromarray(sample_rgb("coffee", 180)).save(d / "coffee_copy.jpg", quality=70)  # resized + recompressed
    Image.fromarray(synthetic_rgb(50, 60)).save(d / "tiny.png")
    (d / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return d
