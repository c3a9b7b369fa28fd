#!/usr/bin/env bash
# Train the shipped default model (unet-effnet-lite0) on the train split of the development photos,
# export it as fp16 safetensors + config.json into src/chromalab/weights/default/, and evaluate it on
# the held-out test split against "no colour".
#
#   scripts/train_default.sh                     # or: make train-default
#   DATA=../shared/data/photos OUT=runs/default BIN=.venv/bin scripts/train_default.sh
#
# Recipe, chosen by measurement (docs/default-model.md, MODEL_CARD.md): crops of 128 px with scale jitter
# and flips (ImageFolder's training augmentation), batch 16, AdamW lr 5e-4 with weight decay 0.05, plain L1
# on ab, the pretrained encoder frozen throughout (batch-norm statistics included), a lighter decoder with
# a 64-channel global-feature branch,
# 120 epochs keeping the best by validation MAE, bf16 autocast; three such runs (seeds 0, 1, 2) whose
# decoders are averaged as one ensemble on the shared frozen encoder; then flip averaging at inference and
# a chroma scale fitted on the validation split (scripts/calibrate_chroma.py). The test split is only
# evaluated.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/photos}
OUT=${OUT:-runs/default}
BIN=${BIN:-.venv/bin}
EPOCHS=${EPOCHS:-120}
DEST=${DEST:-src/chromalab/weights/default}

SEEDS=${SEEDS:-0 1 2}

# One run per seed; each trains its own decoder on the same frozen encoder, so they join as one ensemble.
RUNS=()
for SEED in $SEEDS; do
  "$BIN/chromalab" train --variant unet-effnet-lite0 --data "$DATA" --out "$OUT/seed$SEED" \
      --size 128 --batch 16 --epochs "$EPOCHS" --lr 5e-4 --seed "$SEED" --precision bf16-mixed \
      --set l1_weight=1 --set chroma_weight=0 --set mse_weight=0 --set freeze_encoder_epochs=100000 \
      --set decoder=96,64,48,32,16 --set weight_decay=0.05 --set flip_average=true --set global_features=64
  RUNS+=("$OUT/seed$SEED")
done
"$BIN/chromalab" export "${RUNS[@]}" --out "$DEST"
"$BIN/python" scripts/calibrate_chroma.py "$DEST" "$DATA"
"$BIN/chromalab" evaluate "$DEST" --data "$DATA" --out "$OUT/evaluation-test.json"
