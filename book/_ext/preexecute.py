"""Execute the book's notebooks into Jupyter Book's cache in parallel, before the (serial) build.

    python book/_ext/preexecute.py [--toc _toc.yml] [--cache _build/.jupyter_cache] [--jobs 2]

MyST-NB's ``cache`` mode executes each notebook, one after another, while Sphinx reads it: on two
cores half the machine idles for the longest step of ``make book``. This runs the notebooks that are
not in the cache yet on ``--jobs`` kernels at once, with the environment the build gives them
(explorers precompute their figures, no progress bars: see ``edition.py``), and stores each result
exactly as MyST-NB would (same cache, same executor, same working directory), so the build then finds
every notebook cached. A notebook that fails is reported with its traceback and not cached: the build
executes it again and fails with the same error, as it would have without this step.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[2]


def toc_files(toc: Path) -> list[str]:
    """Every file of a Jupyter Book table of contents, in order, without its suffix (e.g. 'book/intro')."""
    data = yaml.safe_load(toc.read_text())
    files = [data["root"]]
    for part in data.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(s["file"] for s in chapter.get("sections", []))
    return files


def toc_notebooks(toc: Path) -> list[Path]:
    return [ROOT / f"{f}.ipynb" for f in toc_files(toc) if (ROOT / f"{f}.ipynb").is_file()]


def _execute(path: str, timeout: int):
    from jupyter_cache.executors.utils import single_nb_execution
    os.environ["COURSEKIT_STATIC_EXPLORERS"] = "1"
    os.environ.setdefault("TQDM_DISABLE", "1")
    nb = nbformat.read(path, as_version=4)
    result = single_nb_execution(nb, cwd=str(Path(path).parent), allow_errors=False, timeout=timeout,
                                 meta_override=True)
    return path, nb, result.time, (None if result.err is None else result.exc_string)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=180)
    args = parser.parse_args(argv)

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(args.cache))
    todo = []
    for path in toc_notebooks(args.toc):
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    if not todo:
        print("preexecute: every notebook is cached")
        return 0
    t0, failed = time.monotonic(), []
    print(f"preexecute: running {len(todo)} notebooks on {args.jobs} kernels at once", flush=True)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(_execute, str(p), args.timeout) for p in todo]
        for fut in as_completed(futures):
            path, nb, seconds, error = fut.result()
            rel = os.path.relpath(path, ROOT)
            if error:
                failed.append(rel)
                print(f"preexecute: {rel} failed (the build will run it again and report it):\n{error}",
                      file=sys.stderr, flush=True)
                continue
            record = cache.add_nb_to_project(path)
            cache.cache_notebook_bundle(CacheBundleIn(nb, record.uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"preexecute: {rel} in {seconds:.1f} s", flush=True)
    print(f"preexecute: {len(todo) - len(failed)} of {len(todo)} notebooks cached in "
          f"{time.monotonic() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
