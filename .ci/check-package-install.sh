#!/usr/bin/env bash
# Installs packed tarballs the way a user would (npm, from the registry for third-party packages)
# and checks that each package pulls in only the tfjs packages it really needs.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for p in core losses evaluators preference; do
  (cd "packages/$p" && pnpm pack --pack-destination "$work" >/dev/null)
done
tgz() { ls "$work"/prefplay-"$1"-*.tgz; }

# @prefplay/losses: tfjs-core (its peer), never the @tensorflow/tfjs umbrella
mkdir "$work/losses" && cd "$work/losses" && npm init -y >/dev/null
npm i --no-audit --no-fund "$(tgz core)" "$(tgz losses)" >/dev/null
test -d node_modules/@tensorflow/tfjs-core
if [ -d node_modules/@tensorflow/tfjs ]; then echo "FAIL: @prefplay/losses pulled @tensorflow/tfjs"; exit 1; fi
node --input-type=module -e "import('@prefplay/losses').then((m) => { if (!m.defaultLossRegistry.has('sppo')) process.exit(1); })"
echo "ok   @prefplay/losses installs with tfjs-core only ($(ls node_modules/@tensorflow | tr '\n' ' '))"

# @prefplay/evaluators and Bradley-Terry ratings: no tfjs package at all
mkdir "$work/ratings" && cd "$work/ratings" && npm init -y >/dev/null
npm i --no-audit --no-fund "$(tgz core)" "$(tgz evaluators)" "$(tgz preference)" >/dev/null
if [ -d node_modules/@tensorflow ]; then echo "FAIL: tfjs installed: $(ls node_modules/@tensorflow)"; exit 1; fi
node --input-type=module -e "
const e = await import('@prefplay/evaluators');
const bt = await import('@prefplay/preference/bradley-terry');
const fit = bt.fitBradleyTerry([{ modelA: 'x', modelB: 'y', winner: 'model_a' }, { modelA: 'x', modelB: 'y', winner: 'model_b' }, { modelA: 'x', modelB: 'y', winner: 'model_a' }]);
if (typeof e.exploitability !== 'function' || !fit) process.exit(1);
"
echo "ok   @prefplay/evaluators and @prefplay/preference/bradley-terry install and import without tfjs"
