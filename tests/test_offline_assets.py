"""The site's offline JavaScript: vendored from npm when possible, CDN with a warning otherwise."""

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def _extension(vendor: Path):
    spec = importlib.util.spec_from_file_location("offline_assets", ROOT / "book" / "_ext" / "offline_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.VENDOR = vendor
    return module


def test_vendored_assets_replace_the_cdn_urls(tmp_path):
    (tmp_path / ".stamp").touch()
    config = SimpleNamespace(mathjax_path="https://cdn/mathjax.js")
    _extension(tmp_path)._use_vendored(None, config)
    assert config.mathjax_path == "vendor/mathjax/tex-chtml.js"


def test_the_site_vendors_only_mathjax_and_the_test_axe_core():
    """No widget manager, no RequireJS: the explorers are static HTML (coursekit.widgets)."""
    deps = json.loads((ROOT / "book" / "vendor" / "package.json").read_text())["dependencies"]
    lock = json.loads((ROOT / "book" / "vendor" / "package-lock.json").read_text())["packages"][""]["dependencies"]
    assert set(deps) == {"mathjax", "axe-core"} and deps == lock
    assert "html-manager" not in (ROOT / "book" / "vendor" / "fetch.sh").read_text()


def test_without_vendored_assets_the_cdn_stays(tmp_path):
    config = SimpleNamespace(mathjax_path="https://cdn/mathjax.js")
    _extension(tmp_path)._use_vendored(None, config)
    assert config.mathjax_path == "https://cdn/mathjax.js"


def test_fetch_without_npm_warns_and_succeeds(tmp_path):
    script = tmp_path / "book" / "vendor" / "fetch.sh"
    script.parent.mkdir(parents=True)
    shutil.copy(ROOT / "book" / "vendor" / "fetch.sh", script)
    stale = tmp_path / "book" / "_static" / "vendor"
    stale.mkdir(parents=True)
    (stale / ".stamp").touch()
    bin_dir = tmp_path / "bin"                       # a PATH with the basic tools but no npm
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "rm"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    proc = subprocess.run([str(bin_dir / "bash"), str(script)], capture_output=True, text=True,
                          env={"PATH": str(bin_dir)})
    assert proc.returncode == 0
    assert "WARNING: npm not found" in proc.stderr and "CDN" in proc.stderr
    assert not stale.exists(), "a stale vendored copy must not be used"
