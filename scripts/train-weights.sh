#!/usr/bin/env bash
# Train the four shipped networks from scratch, reproducibly, and install them in resources/weights/:
# fetch the training data (scripts/fetch-training-data.sh), train segmentation, refinement and matting,
# then fusion in Deep Image Compositing's two stages (stage 1, then the easy-to-hard stage 2 started from
# stage 1's weights), and score every network against its classic baseline on the dev sets.
#   scripts/train-weights.sh [DATA] [RUNS]     (defaults ../training-data and build/train)
# Seeds are fixed (0); the figures in resources/weights/MODEL_CARD.md came from this script on a 2-core
# CPU. With a GPU, raise the step counts (STEPS_SCALE=10) and add --device cuda through TRAIN_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../training-data}"
runs="${2:-build/train}"
scale="${STEPS_SCALE:-1}"
read -r -a extra <<< "${TRAIN_ARGS:-}"
python=.venv/bin/python

[ -d "$data/foregrounds" ] || bash scripts/fetch-training-data.sh "$data"

train() {  # KIND OUT STEPS BATCH VALIDATE_EVERY [more train options]
  local kind=$1 out=$2 steps=$(( $3 * scale )) batch=$4 validate=$(( $5 * scale ))
  shift 5
  local resume=()
  if [ -f "$out/train-state.pt" ]; then resume=(--resume); fi
  # OMP_NUM_THREADS=1: the shipped runs shared a 2-core CPU two at a time.
  OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$python" main.py train "$kind" --data "$data" --out "$out" \
    --steps "$steps" --batch-size "$batch" --crop 192 --seed 0 --val-fraction 0.05 \
    --validate-every "$validate" --checkpoint-every 50 "${resume[@]}" "${extra[@]}" "$@"
}

train segmentation "$runs/segmentation" 1500 8 300
train refinement "$runs/refinement" 800 8 200
train matting "$runs/matting" 1000 8 250
train fusion "$runs/fusion-stage1" 300 6 100
train fusion "$runs/fusion" 300 6 100 --stage1 "$runs/fusion-stage1/fusion.pt" --init "$runs/fusion-stage1/fusion.pt"

mkdir -p resources/weights
for kind in segmentation refinement matting fusion; do
  cp "$runs/$kind/$kind.pt" "resources/weights/$kind.pt"
done

# The dev-set figures of the model card (evaluation only: never trained on).
if [ -d ../shared/data ]; then
  "$python" main.py evaluate segmentation --data ../shared/data/segmentation-dev \
    --method network --method auto --method grabcut --out "$runs/eval-segmentation"
  "$python" main.py evaluate matting --data ../shared/data/matting-dev --no-robustness \
    --method network --method closed-form --out "$runs/eval-matting"
  "$python" main.py make-compositing-set --matting ../shared/data/matting-dev \
    --backgrounds ../shared/data/backgrounds --out "$runs/compositing-set"
  "$python" main.py evaluate compositing --data "$runs/compositing-set" \
    --method fusion --method alpha --out "$runs/eval-compositing"
fi
