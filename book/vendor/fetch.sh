#!/usr/bin/env bash
# Vendor the JavaScript the website needs (MathJax 3) from npm into book/_static/vendor/, so that
# equations render with no internet; axe-core, for the browser test's accessibility check, stays in
# book/vendor/node_modules (it is not part of the site).
# Without npm (or without the registry) the site falls back to the MathJax CDN, and this says so.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/../_static/vendor"
warn() {
  echo "WARNING: $1 -- the site will load MathJax from a CDN," >&2
  echo "WARNING: so equations will need an internet connection (and the browser test cannot run axe-core)." >&2
  rm -rf "$dest"
  exit 0
}
command -v npm >/dev/null 2>&1 || warn "npm not found"
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null 2>&1 \
  || warn "'npm ci' failed (no registry?)"
nm="$here/node_modules"
rm -rf "$dest" && mkdir -p "$dest/mathjax"
cp -r "$nm/mathjax/es5/." "$dest/mathjax/"
touch "$dest/.stamp"
echo "vendored offline assets into book/_static/vendor"
