"""`chromalab train` with output to a file or pipe: one plain line per epoch and none of Lightning's chatter."""

import re
import subprocess
import sys


def test_one_plain_line_per_epoch_and_no_lightning_noise(photo_dir, tmp_path):
    out = tmp_path / "run"
    argv = ["train", "--variant", "ae-unet-learned", "--data", str(photo_dir), "--out", str(out), "--size", "32",
            "--batch", "4", "--epochs", "2", "--set", "width=4", "--set", "depth=2", "--db", str(tmp_path / "r.db")]
    code = f"import sys; from chromalab.cli import main; sys.argv = ['chromalab', *{argv!r}]; main()"
    r = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stderr.splitlines()
    epochs = [line for line in lines if line.startswith("INFO: epoch ")]
    assert len(epochs) == 2, r.stderr
    for i, line in enumerate(epochs, 1):
        assert re.fullmatch(rf"INFO: epoch {i}/2: train loss \d\.\d{{4}}, val MAE \d\.\d{{4}}, \d+\.\d s", line), line
    noise = [line for line in lines if not line.startswith("INFO: ") and not line.startswith("run ")]
    assert noise == [], noise  # no weights_only notes, device lines, tips or deprecation warnings
    assert not any("weights_only" in line or "available" in line for line in lines)
