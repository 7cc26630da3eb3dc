#!/usr/bin/env bash
# Run checkov, offline and bounded, with the project's .checkov.yaml: scripts/checkov.sh [DIR...]
#
# Default: the root module (without examples/ and tests/, which are scanned as their own roots or
# only call the module) and then each examples/*/ as its own root, so the module is checked with
# its defaults and with each example's inputs (count/for_each paths the defaults leave off).
#
# checkov lives in its own venv (.venv/checkov), installed from the exact pins in
# scripts/checkov-requirements.txt and reinstalled when they change: it cannot share .venv with
# the project (it pins boto3==1.35.49; bc-python-hcl2 and python-hcl2 are both the `hcl2` module).
#
# Skips are inline in the .tf files (#checkov:skip=CKV_AWS_...:reason), never here.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv/checkov
REQS=scripts/checkov-requirements.txt
STAMP="$VENV/.installed"
TIMEOUT_S="${CHECKOV_TIMEOUT_S:-300}"

if [[ ! -f "$STAMP" ]] || ! cmp -s "$REQS" "$STAMP"; then
  echo "checkov: installing into $VENV (from $REQS)" >&2
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
  cp "$REQS" "$STAMP"
fi

# No network but PyPI here, and checkov must never wait on one:
# - --skip-download (in .checkov.yaml) and BC_SKIP_MAPPING: no guidelines, policies or
#   suppressions from the Bridgecrew/Prisma platform (no API key is ever given either);
# - CKV_SKIP_PACKAGE_UPDATE_CHECK: no "newer checkov on PyPI" look-up;
# - download-external-modules false (in .checkov.yaml): no registry or git modules;
# - a hard timeout in case anything still tries.
export BC_SKIP_MAPPING=TRUE
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true
export DOWNLOAD_EXTERNAL_MODULES=false
unset BC_API_KEY || true

if [[ $# -eq 0 ]]; then
  set -- . examples/*/
fi

status=0
for dir in "$@"; do
  dir="${dir%/}"
  extra=()
  if [[ "$dir" == "." ]]; then
    extra=(--skip-path examples/ --skip-path tests/)
  fi
  echo "checkov: $dir" >&2
  rc=0
  timeout --kill-after=10 "$TIMEOUT_S" "$VENV/bin/checkov" --config-file .checkov.yaml \
    --quiet --compact --skip-download --directory "$dir" "${extra[@]}" </dev/null || rc=$?
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "checkov: $dir did not finish within ${TIMEOUT_S}s (CHECKOV_TIMEOUT_S) and was stopped" >&2
  fi
  [[ $rc -eq 0 ]] || status=$rc
done
exit "$status"
