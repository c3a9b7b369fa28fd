"""Inference settings: how a trained model is run, kept apart from its architecture.

``work_size``: the longer side of the copy the network sees (colour is upsampled to full resolution).
``flip_average``: average the ab of the photo and of its mirror image (the model runs twice).
``chroma_scale``: multiply the predicted ab (a calibration fitted on the validation split).
``vividness``: the user's one knob for boldness — a further multiplier of the predicted ab at working size,
before upsampling (the encoder is not re-run): 1.0 = as trained and calibrated, 0 = grey, > 1 bolder (the
sRGB gamut guard of ``lab.lab_to_rgb_in_gamut`` keeps L where chroma would overflow). A model folder may
ship its own (the default's is chosen on the validation split, see its MODEL_CARD.md); ``--vividness``,
``Colorizer.colorize(vividness=)`` and the web form override it.
``temperature``: models that classify ab into bins (``ab_bins``) give the annealed mean of
``softmax(logits / temperature)``: lower is bolder and patchier (→ the most likely bin), 1 the plain mean
(smooth, timid). Other models ignore it. The ONNX file of such a model bakes its folder's temperature;
another temperature runs on PyTorch (``Colorizer`` refuses it on ONNX Runtime).

Training writes none of them (``from_meta`` derives the working size from the training crops); a model
folder's ``config.json`` holds what was chosen afterwards under ``"inference"`` (``chromalab.models.io`` moves
there the fields that older folders kept in ``"model"`` or in ``"recipe"`` when it reads them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chromalab.core.labnp import AB_BIN_TEMPERATURE as DEFAULT_TEMPERATURE

DEFAULT_WORK_SIZE = 512  # a model folder that records neither a work size nor its training crops
MIN_TRAINED_WORK_SIZE = 256


def trained_work_size(crop: int) -> int:
    """The working size of a run that records none: twice its training crops, at least 256 px (the network
    then sees a copy near the scale it learned at; the shipped default, trained on 128-px crops: 256)."""
    return max(MIN_TRAINED_WORK_SIZE, 2 * int(crop))
MAX_VIVIDNESS = 3.0  # beyond this nearly every pixel is clipped at the gamut's edge


@dataclass(frozen=True)
class InferenceSettings:
    work_size: int = DEFAULT_WORK_SIZE
    flip_average: bool = False
    chroma_scale: float = 1.0
    vividness: float = 1.0
    temperature: float = DEFAULT_TEMPERATURE

    def __post_init__(self):
        if self.work_size < 8:
            raise ValueError(f"work_size must be at least 8, got {self.work_size}")
        if self.chroma_scale < 0:
            raise ValueError(f"chroma_scale must be ≥ 0, got {self.chroma_scale}")
        if not 0 <= self.vividness <= MAX_VIVIDNESS:
            raise ValueError(f"vividness must be in [0, {MAX_VIVIDNESS:g}], got {self.vividness}")
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> InferenceSettings:
        """Settings from a model folder's ``config.json``: its ``inference`` section (other keys there, such as
        a calibration's table, are ignored); without a ``work_size`` there, ``trained_work_size`` of the
        training crops it records (``training.size``), else ``DEFAULT_WORK_SIZE``."""
        given = {k: v for k, v in meta.get("inference", {}).items() if k in cls.field_names()}
        crop = meta.get("training", {}).get("size")
        if "work_size" not in given and crop:
            given["work_size"] = trained_work_size(crop)
        return cls(**given)

    @staticmethod
    def field_names() -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(InferenceSettings))

    def replace(self, **changes: Any) -> InferenceSettings:
        """A copy with the given fields changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
