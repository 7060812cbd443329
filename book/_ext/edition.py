"""Which edition of the book is built, and what every page derives from the repository's one URL.

* ``make book`` builds the **student edition**, the public site: its table of contents (``_toc.yml``)
  lists the generated student notebooks (``student/``, written by ``make student``), so the pages, the
  download button and the Binder and Colab buttons all carry the student notebooks: no solutions, no
  model answers, and each exercise shows what ``check`` says of a blank answer ("not attempted").
* ``make book EDITION=instructor`` (``COURSEKIT_EDITION=instructor``) builds the **instructor edition**
  into its own folder from a table of contents that lists ``notebooks/`` instead: solution cells
  collapsed, and each written model answer (and its rubric) in a collapsed "Model answer" box.
  A build whose table of contents does not match its edition stops with an error, so the public site
  cannot be built from the instructor notebooks by mistake.
* The repository URL is set once, in ``_config.yml`` (``repository: url`` and ``branch``). Pages write
  ``{{ repository_url }}``, ``{{ repository_branch }}`` or ``{{ pip_install }}``, replaced here before
  MyST reads them (also inside code blocks).
* While the book is built, ``coursekit.widgets`` explorers precompute their figures
  (``COURSEKIT_STATIC_EXPLORERS=1``, inherited by the notebooks' kernels) and progress bars are off.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

EDITIONS = {"student": "student/", "instructor": "notebooks/"}
SOLUTION_MD = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->(.*?)<!--\s*END SOLUTION\s*-->", re.S)


def edition() -> str:
    name = os.environ.get("COURSEKIT_EDITION", "student").strip().lower() or "student"
    if name not in EDITIONS:
        raise ConfigError(f"COURSEKIT_EDITION must be one of {sorted(EDITIONS)}; got {name!r}")
    return name


def repository(config) -> tuple[str, str]:
    options = config.html_theme_options or {}
    return str(options.get("repository_url", "")).rstrip("/"), str(options.get("repository_branch", "main"))


def pip_install(url: str, branch: str) -> str:
    return f'pip install "coursekit @ git+{url}@{branch}"'


def _configure(app, config):
    os.environ["COURSEKIT_STATIC_EXPLORERS"] = "1"     # the notebooks' kernels inherit these
    os.environ.setdefault("TQDM_DISABLE", "1")
    name = edition()
    config.html_context = {**(config.html_context or {}), "course_edition": name}
    logger.info(f"building the {name} edition")


def _check_toc(app, env, docnames):
    """Every chapter comes from the edition's folder, none from the other's."""
    name = edition()
    other = [p for e, p in EDITIONS.items() if e != name][0]
    wrong = sorted(d for d in env.found_docs if d.startswith(other))
    if wrong:
        raise ConfigError(f"the {name} edition must not include {other}… pages, but the table of contents "
                          f"lists {wrong[:3]}{' …' if len(wrong) > 3 else ''}. The public site is "
                          f"`make book` (student notebooks, student/); the instructor edition is "
                          f"`make book EDITION=instructor`.")


def substitute(text: str, url: str, branch: str) -> str:
    return (text.replace("{{ repository_url }}", url).replace("{{ repository_branch }}", branch)
                .replace("{{ pip_install }}", pip_install(url, branch)))


def model_answers_collapsed(notebook_json: str) -> str:
    """An instructor notebook with each written model answer in a collapsed box and every solution
    cell's code collapsed (``hide-input``)."""
    nb = json.loads(notebook_json)
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown" and SOLUTION_MD.search(source):
            cell["source"] = SOLUTION_MD.sub(lambda m: _collapsed(m.group(1).strip()), source)
        elif cell.get("cell_type") == "code" and "### BEGIN SOLUTION" in source:
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "hide-input" not in tags and "remove-input" not in tags:
                tags.append("hide-input")
    return json.dumps(nb, ensure_ascii=False)


def _collapsed(answer: str) -> str:
    """A model answer in a collapsed box, unless the notebook already collapses it (a dropdown)."""
    if re.match(r"^(:{3,}|`{3,})\{(dropdown|admonition)\}", answer):
        return "\n\n" + answer + "\n\n"
    fence = ":" * max([3] + [len(run) + 1 for run in re.findall(r"^(:{3,})", answer, re.M)])
    return f"\n\n{fence}{{admonition}} Model answer\n:class: dropdown model-answer\n{answer}\n{fence}\n\n"


def _source_read(app, docname, source):
    url, branch = repository(app.config)
    text = substitute(source[0], url, branch)
    if edition() == "instructor" and docname.startswith(EDITIONS["instructor"]) and text.lstrip().startswith("{"):
        text = model_answers_collapsed(text)
    source[0] = text


def _remove_other_edition(app, exception):
    """Sphinx never deletes a page it no longer builds: remove the other edition's pages and sources left
    in the output folder by an earlier build, so that a public site never carries instructor pages."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    other = [p for e, p in EDITIONS.items() if e != edition()][0].rstrip("/")
    for stale in (out / other, out / "_sources" / other):
        if stale.is_dir():
            shutil.rmtree(stale)
            logger.info(f"removed {stale.relative_to(out)}/, left by a build of the other edition")


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("build-finished", _remove_other_edition)
    app.connect("env-before-read-docs", _check_toc)
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
