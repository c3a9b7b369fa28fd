"""Exact patch matching as one fused Triton kernel (GPU), same contract as ``correspondence.match_exact``.

For a block of target positions and a tile of reference positions the kernel accumulates the 3x3 patch
similarity S(p, q) = 1/9 Σ_o <f_t(p+o), f_r(q+o)> straight from the normalised feature maps (nine shifted,
masked loads per channel chunk: the unfolded patch vectors and the similarity matrix never exist in
memory), products in the input dtype with fp32 accumulation (bf16/fp16 tensor cores, or TF32), and keeps a
running max and argmax per target position across reference tiles.

Triton compiles the kernel at first use and caches it (``~/.triton/cache``). With ``TRITON_INTERPRET=1``
the same kernel runs on CPU tensors through Triton's interpreter, which is how the tests check its logic
on machines without a GPU. ``available()`` says whether it can run for a given tensor.
"""

from __future__ import annotations

import functools
import os

import torch

from chromalab.ops.correspondence.common import PATCH, Match, _check, normalize_features, patch_similarity

try:  # optional: Triton ships with CUDA builds of PyTorch, or `pip install triton`
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None


def interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def available(feat: torch.Tensor) -> bool:
    """Whether the kernel can run on ``feat``'s device: Triton present and CUDA, or the interpreter on CPU."""
    if triton is None:
        return False
    return feat.is_cuda or (feat.device.type == "cpu" and interpreting())


@functools.lru_cache(maxsize=2)
def _kernel(interpret: bool):
    """The jitted kernel; Triton decides at decoration time between compiling and interpreting."""
    return triton.jit(_match_kernel)


def _match_kernel(t_ptr, r_ptr, best_ptr, arg_ptr, H, W, HR, WR, C,
                  BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_C: tl.constexpr):
    # t: (B, H, W, C) and r: (B, HR, WR, C) channels-last, normalised; one program = BLOCK_M targets.
    b = tl.program_id(1)
    pm = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    m_ok = pm < H * W
    py, px = pm // W, pm % W
    t_base = t_ptr + b * H * W * C
    r_base = r_ptr + b * HR * WR * C
    best = tl.full((BLOCK_M,), -3.0e38, tl.float32)
    arg = tl.zeros((BLOCK_M,), tl.int32)
    for n0 in range(0, HR * WR, BLOCK_N):
        qn = n0 + tl.arange(0, BLOCK_N)
        n_ok = qn < HR * WR
        qy, qx = qn // WR, qn % WR
        acc = tl.zeros((BLOCK_M, BLOCK_N), tl.float32)
        for o in tl.static_range(9):
            dy = o // 3 - 1
            dx = o % 3 - 1
            ty, tx, ry, rx = py + dy, px + dx, qy + dy, qx + dx
            t_in = m_ok & (ty >= 0) & (ty < H) & (tx >= 0) & (tx < W)
            r_in = n_ok & (ry >= 0) & (ry < HR) & (rx >= 0) & (rx < WR)
            t_row = (ty * W + tx) * C
            r_row = (ry * WR + rx) * C
            for c0 in range(0, C, BLOCK_C):
                cc = c0 + tl.arange(0, BLOCK_C)
                c_ok = cc < C
                a = tl.load(t_base + t_row[:, None] + cc[None, :], mask=t_in[:, None] & c_ok[None, :],
                            other=0.0)
                r = tl.load(r_base + r_row[None, :] + cc[:, None], mask=r_in[None, :] & c_ok[:, None],
                            other=0.0)
                acc += tl.dot(a, r)
        acc = tl.where(n_ok[None, :], acc, -3.0e38)
        tile_best = tl.max(acc, axis=1)
        tile_arg = tl.argmax(acc, axis=1).to(tl.int32) + n0
        better = tile_best > best  # strictly: on ties the earlier (lower) reference index stays
        arg = tl.where(better, tile_arg, arg)
        best = tl.where(better, tile_best, best)
    out = b * H * W + pm
    tl.store(best_ptr + out, best / 9.0, mask=m_ok)
    tl.store(arg_ptr + out, arg, mask=m_ok)


def match_exact_triton(feat_t: torch.Tensor, feat_r: torch.Tensor, patch: int = PATCH,
                       dtype: torch.dtype | None = None, block_m: int = 64, block_n: int = 64,
                       block_c: int = 32, rescore: bool = True) -> Match:
    """``match_exact`` as one Triton kernel. ``feat_t`` (B, C, H, W), ``feat_r`` (B, C, Hr, Wr) on CUDA
    (or CPU under ``TRITON_INTERPRET=1``). ``dtype``: the products' input type (``None``: float32, TF32 on
    GPUs that have it; ``torch.bfloat16`` / ``torch.float16``), accumulated in fp32. With a reduced dtype
    and ``rescore`` the chosen matches' similarities are recomputed in fp32. Returns a ``Match`` (B, H, W).
    """
    if triton is None:
        raise RuntimeError("the Triton kernel needs the package triton (pip install triton)")
    _check(feat_t, feat_r, patch)
    if not available(feat_t):
        raise RuntimeError("the Triton kernel runs on CUDA tensors (or on CPU with TRITON_INTERPRET=1)")
    b, c, h, w = feat_t.shape
    hr, wr = feat_r.shape[-2:]
    low = dtype if dtype is not None else torch.float32
    t = normalize_features(feat_t).to(low).permute(0, 2, 3, 1).contiguous()
    r = normalize_features(feat_r).to(low).permute(0, 2, 3, 1).contiguous()
    best = torch.empty(b, h * w, dtype=torch.float32, device=feat_t.device)
    arg = torch.empty(b, h * w, dtype=torch.int32, device=feat_t.device)
    grid = (triton.cdiv(h * w, block_m), b)
    _kernel(interpreting())[grid](t, r, best, arg, h, w, hr, wr, c, BLOCK_M=block_m, BLOCK_N=block_n, BLOCK_C=block_c)
    index = arg.long().view(b, h, w)
    if rescore and low != torch.float32:
        return Match(index, patch_similarity(feat_t, feat_r, index))
    return Match(index, best.view(b, h, w))
