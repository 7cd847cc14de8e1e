#!/usr/bin/env bash
# Machine checks of the deployable stack, all offline (no AWS account): template.yaml current with its source
# template.src.yaml, cfn-lint, `sam validate --lint`, checkov with the repo's own checks, `sam build`, and
# tests/template on the SAM template, its CloudFormation translation and the built artefacts.
# Usage: scripts/check-template.sh [--no-build]
#
# checkov and the SAM CLI live in their own virtualenvs under .venv/tools/ (pinned below): both pin boto3,
# botocore, click and packaging to versions that would otherwise downgrade the project's own dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
SAM_CLI_VERSION=1.170.0
BIN=.venv/bin
TOOLS=.venv/tools
build=1
[ "${1:-}" = "--no-build" ] && build=0

step() { printf '\n== [%s] %s\n' "$(date +%T)" "$*" >&2; }

tool_venv() {  # name, pip requirement
  local dir=$TOOLS/$1 stamp
  stamp=$dir/.installed-$(echo "$2" | sha1sum | cut -c1-12)
  if [ ! -f "$stamp" ]; then
    step "installing $2 into $dir"
    rm -rf "$dir"
    $BIN/python -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --upgrade pip
    "$dir/bin/python" -m pip install --quiet "$2"
    touch "$stamp"
  fi
}

[ -x $BIN/python ] || scripts/setup-venv.sh
tool_venv checkov "checkov==$CHECKOV_VERSION"
tool_venv sam "aws-sam-cli==$SAM_CLI_VERSION"

export SAM_CLI_TELEMETRY=0 BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
# The SAM CLI wants a region and the runtime's interpreter (python3.12) on PATH; nothing here calls AWS.
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-eu-central-1} AWS_REGION=${AWS_REGION:-eu-central-1}
export PATH="$PWD/$BIN:$PATH"

step "template.yaml is what template.src.yaml gives (scripts/generate_template.py)"
$BIN/python scripts/generate_template.py --check

step "translate template.yaml to CloudFormation (aws-sam-translator, offline)"
$BIN/python scripts/translate_template.py --out .aws-sam/template.cfn.json

step "cfn-lint: SAM template and its translation"
$BIN/cfn-lint template.yaml .aws-sam/template.cfn.json

step "sam validate --lint"
$TOOLS/sam/bin/sam validate --lint --template template.yaml

if [ "$build" = 1 ]; then
  missing=$(for dir in $($BIN/python - <<'EOF'
import re, pathlib
print(" ".join(re.findall(r"CodeUri: (functions/\w+)/", pathlib.Path("template.yaml").read_text())))
EOF
); do [ -f "$dir/app.py" ] || echo "$dir/app.py"; done)
  if [ -n "$missing" ]; then
    echo "template.yaml names handlers that do not exist: $missing" >&2
    exit 1
  fi
  # The real artefact (arm64: aarch64 wheels, fetched by the SAM CLI for the target platform), and a build for
  # this machine's architecture that tests/template/test_built.py can import from. Each build keeps its own
  # build.toml and cache (a shared one would make each build discard the other's cache), and they run side by side.
  host_arch=x86_64; [ "$(uname -m)" = aarch64 ] && host_arch=arm64
  step "sam build: arm64 (deployed) and $host_arch (import check)"
  $TOOLS/sam/bin/sam build --template template.yaml --build-dir .aws-sam/build --cache-dir .aws-sam/cache \
    --cached --parallel --parameter-overrides Architecture=arm64 > .aws-sam/build.log 2>&1 &
  arm=$!
  $TOOLS/sam/bin/sam build --template template.yaml --build-dir .aws-sam/host/build --cache-dir .aws-sam/host/cache \
    --cached --parallel --parameter-overrides Architecture=$host_arch > .aws-sam/host-build.log 2>&1 &
  host=$!
  wait $arm || { cat .aws-sam/build.log >&2; exit 1; }
  wait $host || { cat .aws-sam/host-build.log >&2; exit 1; }
fi

step "tests/template (checkov on both forms, custom checks, IAM, encryption, alarms, built artefacts)"
LOGWARDEN_TEMPLATE_TOOLS=required LOGWARDEN_TEMPLATE_BUILD=$build $BIN/python -m pytest -q tests/template -p no:cacheprovider
