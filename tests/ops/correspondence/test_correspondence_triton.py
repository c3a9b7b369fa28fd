"""The fused Triton kernel, run on CPU through Triton's interpreter, against the brute-force definition.

Triton chooses between compiling and interpreting when it is imported (its standard library is jitted
then), and this process imported it already, so the kernel runs in a child process started with
``TRITON_INTERPRET=1``; the checks run here. The interpreter computes with NumPy, which has no bfloat16:
fp32 and fp16 are checked; bf16 runs on GPUs only (benchmarks/bench_correspondence.py compares it there).
"""

import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file, save_file

from chromalab.ops.correspondence import match_exact, patch_similarity

from .test_correspondence import brute_force, smooth_features

pytest.importorskip("triton")

CHILD = r"""
import sys, torch
from safetensors.torch import load_file, save_file
from chromalab.ops.correspondence import triton as fused
from chromalab.ops.correspondence import match_exact
cases = load_file(sys.argv[1])
out = {}
for name in sorted({k.split(':')[0] for k in cases}):
    ft, fr = cases[name + ':t'], cases[name + ':r']
    dtype = torch.float16 if name.startswith('fp16') else None
    m = fused.match_exact_triton(ft, fr, dtype=dtype, block_m=16, block_n=16, block_c=16)
    out[name + ':index'], out[name + ':sim'] = m.index, m.similarity
out['dispatch:index'] = match_exact(cases['a:t'], cases['a:r'], backend='triton').index
out['available'] = torch.tensor(fused.available(cases['a:t']))
save_file(out, sys.argv[2])
"""


def rand(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def kernel_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("triton")
    smooth_t = smooth_features(4, 2, 16, 12, 12)
    cases = {"a:t": rand(0, 2, 8, 7, 9), "a:r": rand(1, 2, 8, 6, 10),       # odd sizes: partial blocks
             "b:t": rand(2, 1, 5, 5, 4), "b:r": rand(3, 1, 5, 3, 3),        # C below the channel block
             "c:t": rand(4, 1, 20, 4, 19), "c:r": rand(5, 1, 20, 9, 2),     # C above it, thin maps
             "fp16:t": smooth_t,
             "fp16:r": torch.roll(smooth_t, (2, -3), (2, 3)) + 0.05 * smooth_features(5, 2, 16, 12, 12)}
    save_file({k: v.contiguous() for k, v in cases.items()}, tmp / "in.safetensors")
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp / "in.safetensors"), str(tmp / "out.safetensors")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return cases, load_file(str(tmp / "out.safetensors"))


@pytest.mark.parametrize("name", ["a", "b", "c"])
def test_fp32_kernel_equals_brute_force(kernel_results, name):
    cases, got = kernel_results
    want_idx, want_sim = brute_force(cases[name + ":t"], cases[name + ":r"])
    assert torch.equal(got[name + ":index"], want_idx)
    assert torch.allclose(got[name + ":sim"].double(), want_sim, atol=1e-5)


def test_fp16_kernel_agrees_with_fp32_and_rescores_exactly(kernel_results):
    cases, got = kernel_results
    ft, fr = cases["fp16:t"], cases["fp16:r"]
    exact = match_exact(ft, fr)
    index, sim = got["fp16:index"], got["fp16:sim"]
    assert (index == exact.index).float().mean() >= 0.99
    assert torch.allclose(sim, patch_similarity(ft, fr, index), atol=1e-6)
    assert (sim <= exact.similarity + 1e-6).all()


def test_backend_dispatch_reaches_the_kernel(kernel_results):
    cases, got = kernel_results
    assert bool(got["available"])
    assert torch.equal(got["dispatch:index"], match_exact(cases["a:t"], cases["a:r"], backend="torch").index)


def test_clear_errors_without_gpu_or_interpreter():
    from chromalab.ops.correspondence import triton as fused

    ft = smooth_features(6, 1, 4, 5, 5)
    with pytest.raises(ValueError, match="backend"):
        match_exact(ft, ft, backend="cuda")
    if not torch.cuda.is_available() and not fused.interpreting():
        assert not fused.available(ft)
        with pytest.raises(RuntimeError, match="CUDA"):
            match_exact(ft, ft, backend="triton")
