"""The page budget of the built site, as a reader on a slow connection meets it.

    python benchmarks/site_budget.py [--site _build/html] [--json out.json] [--before before.json] [-k 05-cnn]

For every page of the table of contents, in Debian's headless Chromium with an empty cache and a server
that gzips text as a static host does:

* ``bytes``: everything transferred on a first visit (1280 × 800 window, until the page is loaded and the
  network idle; lazily loaded images below the first screen are not fetched). Deterministic; the
  browser test asserts ≤ 1 MB for a chapter.
* ``first text``: first contentful paint on a throttled line (400 kbit/s, 400 ms round trip). Reported,
  not asserted: it depends on the machine, and this one may be shared.

With ``--before`` (a JSON file written by ``--json`` on an earlier build) the table shows both.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sitecheck import CHROMIUM, CHROMIUM_ARGS, SLOW_3G, first_visit, serve, toc_pages  # noqa: E402


def measure(site: Path, pattern: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright
    results = {}
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in toc_pages():
            if pattern and pattern not in path:
                continue
            url = urljoin(base, path)
            full = first_visit(browser, url)
            slow = first_visit(browser, url, throttle=SLOW_3G, wait_for_load=False)
            results[path] = {"bytes": full["bytes"], "first_text_s": round(slow["first_text_s"], 2),
                             "requests": len(full["requests"]), "blocking": len(full["blocking"])}
            print(f"measured {path}: {full['bytes'] / 1e6:.2f} MB, first text {slow['first_text_s']:.1f} s",
                  file=sys.stderr, flush=True)
        browser.close()
    return results


def table(after: dict, before: dict | None = None) -> str:
    head = "| page | requests | blocking scripts | bytes (gzip) | first text, 400 kbit/s |"
    if before:
        head = "| page | bytes before | bytes after | first text before | first text after |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for path, r in after.items():
        if before:
            b = before.get(path) or before.get(path.replace("student/", "notebooks/"), {})   # (before the
            # student edition, chapters were built from notebooks/)
            bb = f"{b['bytes'] / 1e6:.2f} MB" if b else "—"
            bt = f"{b['first_text_s']:.1f} s" if b else "—"
            lines.append(f"| {path} | {bb} | {r['bytes'] / 1e6:.2f} MB | {bt} | {r['first_text_s']:.1f} s |")
        else:
            lines.append(f"| {path} | {r['requests']} | {r['blocking']} | {r['bytes'] / 1e6:.2f} MB | "
                         f"{r['first_text_s']:.1f} s |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    parser.add_argument("--before", type=Path, help="measurements of an earlier build, to compare")
    parser.add_argument("-k", dest="pattern", help="only pages whose path contains this")
    parser.add_argument("--measured", type=Path, help="print the table of these measurements (a --json file) "
                        "instead of measuring")
    args = parser.parse_args(argv)
    before = json.loads(args.before.read_text()) if args.before else None
    if args.measured:
        print(table(json.loads(args.measured.read_text()), before))
        return 0
    if CHROMIUM is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    if not (args.site / "index.html").exists():
        print(f"no built site at {args.site}: run `make book` first", file=sys.stderr)
        return 2
    results = measure(args.site, args.pattern)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(table(results, before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
