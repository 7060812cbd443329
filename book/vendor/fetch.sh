#!/usr/bin/env bash
# Vendor the JavaScript the website needs (MathJax 3, RequireJS, the ipywidgets HTML manager) from npm
# into book/_static/vendor/, so that equations and static widgets render with no internet.
# Without npm (or without the registry) the site falls back to the CDNs, and this says so.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/../_static/vendor"
warn() {
  echo "WARNING: $1 -- the site will load MathJax, RequireJS and the widget manager from CDNs," >&2
  echo "WARNING: so equations and widgets will need an internet connection." >&2
  rm -rf "$dest"
  exit 0
}
command -v npm >/dev/null 2>&1 || warn "npm not found"
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null 2>&1 \
  || warn "'npm ci' failed (no registry?)"
nm="$here/node_modules"
rm -rf "$dest" && mkdir -p "$dest/mathjax" "$dest/html-manager"
cp -r "$nm/mathjax/es5/." "$dest/mathjax/"
cp "$nm/requirejs/require.js" "$dest/require.js"
find "$nm/@jupyter-widgets/html-manager/dist" -maxdepth 1 -type f ! -name '*.map' -exec cp {} "$dest/html-manager/" \;
touch "$dest/.stamp"
echo "vendored offline assets into book/_static/vendor"
