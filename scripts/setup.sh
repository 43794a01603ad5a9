#!/usr/bin/env bash
# Everything a fresh machine needs before `make dev` / `make test`: uv, the Debian packages the
# project uses (CJK fonts for the generated ID cards, Tesseract for the OCR baseline), the venv,
# and the offline face weights. Idempotent and quiet when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
fi

DEB_PACKAGES=(fonts-wqy-microhei fonts-noto-cjk tesseract-ocr tesseract-ocr-chi-sim chromium)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: missing Debian packages: ${missing[*]} (install them for the OCR tests)" >&2
  fi
fi

# Bytecode written once here: machines that set PYTHONDONTWRITEBYTECODE (CI does) otherwise
# compile every module from source in every process, ~5 s of CPU per API or worker start.
uv sync --frozen --quiet --compile-bytecode
uv run --frozen python -m compileall -q -x '/(\.venv|var|node_modules)/' . >/dev/null
uv run --frozen ruji provision
