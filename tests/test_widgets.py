"""Explorers (coursekit.widgets) and the animation player: the static site's form of each, at the level of
pure functions and of the HTML they emit. (The browser test moves the controls on the built pages.)"""

from __future__ import annotations

import json
import re

import ipywidgets as W
import numpy as np
import pytest
from matplotlib import animation

from coursekit import plotting, widgets
from coursekit.webfigures import compress_png, describe_axes, plain_text, png_size


def draw_line(ax, slope, kind, n):
    x = np.linspace(0, 1, int(n))
    ax.plot(x, slope * x, "-" if kind == "line" else "o", label=f"slope {slope:g}")
    ax.set(xlabel="x (m)", ylabel="y (m)", title=rf"slope $\eta$ = {slope:g}, {kind}")


CONTROLS = {"slope": (0.5, 2.0, 0.5, 1.0), "kind": ["line", "dots"], "n": (5, 50, 5, 20)}


# ---- the grid ------------------------------------------------------------------------------------

def test_grid_is_lowest_initial_highest_of_each_slider_and_every_option():
    grid = widgets.explorer_grid(CONTROLS)
    assert grid == {"slope": [0.5, 1.0, 2.0], "kind": ["line", "dots"], "n": [5, 20, 50]}
    assert list(grid) == list(CONTROLS)


def test_a_slider_starting_at_an_end_has_two_values():
    assert widgets.control_values((0, 10, 1, 0)) == [0, 10]
    assert widgets.control_values((1.0, 3.0, 0.5, 3.0)) == [1.0, 3.0]


def test_grid_beyond_the_cap_fixes_the_widest_sliders_first_never_a_dropdown():
    controls = {"stroke": ["a", "b", "c", "d"], "amplitude": (5.0, 85.0, 5.0, 45.0), "arm": (0.3, 2.0, 0.1, 1.0),
                "drag_ratio": (0.5, 3.0, 0.1, 2.0)}
    grid = widgets.explorer_grid(controls)                         # 4 * 3 * 3 * 3 = 108 > 36
    assert np.prod([len(v) for v in grid.values()]) <= widgets.MAX_FIGURES
    assert grid["stroke"] == ["a", "b", "c", "d"] and grid["drag_ratio"] == [2.0]   # the last slider is fixed
    assert grid["amplitude"] == [5.0, 45.0, 85.0] and grid["arm"] == [0.3, 1.0, 2.0]


def test_an_explicit_grid_is_kept_and_the_initial_value_is_always_on_it():
    controls = {"stroke": ["a", "b"], "drag_ratio": (0.5, 3.0, 0.1, 2.0), "arm": (0.3, 2.0, 0.1, 1.0)}
    grid = widgets.explorer_grid(controls, grid={"drag_ratio": [1.0, 3.0]})
    assert grid["drag_ratio"] == [1.0, 2.0, 3.0]                  # 2.0, the initial value, added
    assert grid["arm"] == [0.3, 1.0, 2.0] and grid["stroke"] == ["a", "b"]


@pytest.mark.parametrize("grid, message", [
    ({"nope": [1]}, "not controls of this explorer"),
    ({"slope": [5.0]}, "outside the slider's range"),
    ({"slope": [1.05]}, "not on the slider's steps"),
    ({"kind": ["curve"]}, "not options of the dropdown"),
    ({"slope": []}, "is empty"),
    ({"slope": 1.0}, "must be a list"),
    ({"slope": [0.5, 1.0, 1.5, 2.0], "n": list(range(5, 51, 5)), "kind": ["line", "dots"]}, "more than 64"),
])
def test_a_bad_grid_is_a_clear_error(grid, message):
    with pytest.raises((ValueError, TypeError), match=message):
        widgets.explorer_grid(CONTROLS, grid)


def test_settings_read_like_the_live_slider():
    assert widgets.settings_text({"eta": 0.004, "method": "Newton", "n": 100}) == "eta = 0.004, method = Newton, n = 100"
    assert widgets.format_value(0.1 + 0.2) == "0.3"


# ---- live and static ------------------------------------------------------------------------------

def test_in_a_live_kernel_it_stays_an_ipywidget(monkeypatch):
    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    box = widgets.explorer(draw_line, **CONTROLS)
    assert isinstance(box, W.VBox)
    sliders = box.children[0].children
    assert [w.description for w in sliders] == ["slope", "kind", "n"]


def test_without_the_build_variable_nothing_is_precomputed(monkeypatch):
    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    calls = []
    widgets.explorer(lambda ax, a: calls.append(a), a=(0.0, 1.0, 0.1, 0.5))
    # the live widget draws the initial value (and, under COURSEKIT_STRICT, once more to surface errors)
    assert set(calls) <= {0.5} and len(calls) <= 2


@pytest.fixture(scope="module")
def static():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(widgets.STATIC_ENV, "1")
        mp.setenv("COURSEKIT_EXPLORER_JOBS", "1")
        yield widgets.explorer(draw_line, grid={"n": [5, 20]}, **CONTROLS)


def test_at_build_time_every_setting_of_the_grid_has_its_own_figure(static):
    assert isinstance(static, widgets.StaticExplorer)
    assert len(static.figures) == 3 * 2 * 2
    pngs = [png for png, _ in static.figures.values()]
    assert len(set(pngs)) == len(pngs), "two settings drew the same picture"
    png, alt = static.figures[static.default_index]
    assert png_size(png) == (640, 400)
    assert alt.startswith("Figure for slope = 1, kind = line, n = 20: ")
    assert "slope η = 1, line" in alt and "y (m) against x (m)" in alt


def _figures(html):
    return json.loads(re.search(r'<script type="application/json" class="ck-figures">(.*?)</script>', html, re.S)
                      .group(1).replace("<\\/", "</"))


def test_the_html_offers_only_the_grid_and_shows_the_default_figure(static):
    html = static._repr_html_()
    figures = _figures(html)
    assert len(figures) == 12 and all(v[0].startswith("data:image/png;base64,") for v in figures.values())
    # controls: a range input over the grid's indices for each slider, a select for the dropdown
    ranges = re.findall(r'<input type="range" id="([^"]+)" min="0" max="(\d+)" step="1" value="(\d+)"[^>]*'
                        r'data-values="([^"]+)"', html)
    assert [(r[1], r[2], json.loads(r[3].replace("&quot;", '"'))) for r in ranges] == \
        [("2", "1", ["0.5", "1", "2"]), ("1", "1", ["5", "20"])]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", html) == ["line", "dots"]
    assert html.count("<label for=") == 3
    # the figure shown at first is the one for the controls' initial positions, with its alt text
    key = ",".join(map(str, static.default_index))
    assert key == "1,0,1"
    img = re.search(r'<img class="ck-figure" src="([^"]+)" alt="([^"]+)"', html)
    assert img.group(1) == figures[key][0] and "slope = 1, kind = line, n = 20" in img.group(2)
    # controls stay disabled until the script can swap figures: no control ahead of its figure
    assert html.count(" disabled") == 3 and "<script>" in html


def test_a_control_fixed_by_the_grid_is_shown_as_fixed():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(widgets.STATIC_ENV, "1")
        mp.setenv("COURSEKIT_EXPLORER_JOBS", "1")
        html = widgets.explorer(draw_line, grid={"kind": ["line"], "slope": [1.0], "n": [5, 20]},
                                **CONTROLS)._repr_html_()
    assert "(fixed on this page)" in html and len(_figures(html)) == 2


def test_forked_workers_draw_the_same_figures_as_one_process(monkeypatch):
    settings = [{"slope": s, "kind": "line", "n": 10} for s in (0.5, 1.0, 2.0)]
    monkeypatch.setenv("COURSEKIT_EXPLORER_JOBS", "1")
    serial = widgets.render_all(draw_line, "single", settings)
    monkeypatch.setenv("COURSEKIT_EXPLORER_JOBS", "2")
    assert widgets.render_all(draw_line, "single", settings) == serial


def test_an_error_in_draw_is_raised_at_build_time(monkeypatch):
    monkeypatch.setenv(widgets.STATIC_ENV, "1")
    monkeypatch.setenv("COURSEKIT_EXPLORER_JOBS", "1")

    def broken(ax, a):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        widgets.explorer(broken, a=(0.0, 1.0, 0.5, 0.5))


# ---- figures for the web ---------------------------------------------------------------------------

def test_plain_text_reads_tex_as_a_screen_reader_should():
    assert plain_text(r"$\eta = 0.002$") == "η = 0.002"
    assert plain_text(r"$\log \|\partial h_t / \partial h_0\|_2$") == "log ‖∂ht / ∂h0‖2"
    assert plain_text(r"$\frac{a}{b}$ and $\mathrm{KL}$") == "(a)/(b) and KL"


def test_compressed_png_is_smaller_and_looks_the_same():
    fig, ax = plotting.figure()
    for k in range(5):
        ax.plot(np.linspace(0, 1, 50), np.sin(np.linspace(0, 6, 50) + k))
    png = widgets.render_png(lambda a: None, "single", {})[0]     # (blank figure: already tiny)
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    raw = buf.getvalue()
    small = compress_png(raw)
    assert len(small) < 0.7 * len(raw) and png_size(small) == png_size(raw) and png_size(png) == (640, 400)
    from PIL import Image, ImageChops, ImageStat
    a, b = (Image.open(io.BytesIO(x)).convert("RGB") for x in (raw, small))
    assert max(ImageStat.Stat(ImageChops.difference(a, b)).rms) <= 2.0
    photo = (np.random.default_rng(0).random((200, 300, 3)) * 255).astype(np.uint8)   # noise: left alone
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "PNG")
    assert compress_png(buf.getvalue()) == buf.getvalue()


def test_describe_axes_names_title_and_axes():
    fig, (a, b) = plotting.figure(1, 2)
    a.set(title="left", xlabel="t (s)", ylabel="x (m)")
    b.set(ylabel=r"$\sigma$")
    assert describe_axes(fig) == "left; x (m) against t (s). σ"


# ---- the animation player ---------------------------------------------------------------------------

def _animation(n=4):
    fig, ax = plotting.figure()
    line, = ax.plot([0, 1], [0, 0])
    ax.set(xlabel="x (m)", ylabel="height (m)", title="a rising line")

    def frame(i):
        line.set_data([0, 1], [0, i / n])
        return [line]
    return animation.FuncAnimation(fig, frame, frames=n, interval=100)


def test_animation_player_is_labelled_does_not_autoplay_and_loads_frames_only_when_asked():
    html = plotting.animation_html(_animation(), dpi=30).data
    assert "https://" not in html and "http://" not in html and "fa fa-" not in html
    frames = json.loads(re.search(r'class="ck-anim-frames">(.*?)</script>', html, re.S).group(1))
    assert len(frames) == 4 and len(set(frames)) == 4
    img = re.search(r'<img class="ck-anim-frame" src="([^"]+)" alt="([^"]+)"', html)
    assert img.group(1) == frames[0]                                # the still figure is frame 1
    assert img.group(2) == "a rising line; height (m) against x (m) (animation, 4 frames)"
    assert html.count("data:image/png") == 5                        # frame 1 twice, no Image() preloads
    names = re.findall(r'<span class="ck-sr">([^<]+)</span>', html)
    assert names == ["first frame", "previous frame", "play", "next frame", "last frame"]
    assert "<span>frame</span><input type=\"range\"" in html      # the slider has a label
    assert "setInterval" in html and "autoplay" not in html
    js = html[html.rindex("<script>"):]
    assert len(re.findall(r"(?<!function )start\(\)", js)) == 1 and "show(0)" in js   # only the play button starts it


def test_animation_alt_can_be_given():
    html = plotting.animation_html(_animation(2), dpi=20, alt="a swimmer's stroke").data
    assert 'alt="a swimmer&#x27;s stroke (animation, 2 frames)"' in html
