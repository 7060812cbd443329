"""Figures as the website carries them: small PNGs, and alt text that says what a figure shows.

Used by the explorers (:mod:`coursekit.widgets`) and the animation player
(:func:`coursekit.plotting.animation_html`), whose HTML embeds PNGs as ``data:`` URIs; the site build
(``book/_ext``) moves those into image files that the page loads when it needs them.
"""

from __future__ import annotations

import base64
import io
import re

__all__ = ["compress_png", "png_size", "data_uri", "describe_axes", "plain_text"]

# TeX commands as a screen reader should hear them.
_SYMBOLS = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "eta": "η",
            "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
            "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
            "Delta": "Δ", "Gamma": "Γ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
            "partial": "∂", "nabla": "∇", "propto": "∝", "infty": "∞", "cdot": "·", "times": "×", "approx": "≈",
            "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "pm": "±", "to": "→",
            "rightarrow": "→", "leftarrow": "←", "sqrt": "√", "sum": "Σ", "int": "∫", "in": "∈", "ll": "≪",
            "gg": "≫", "sim": "∼", "top": "ᵀ", "langle": "⟨", "rangle": "⟩", "|": "‖", "ldots": "…", "dots": "…",
            "cdots": "…", "quad": " ", "qquad": " ", ",": " ", ";": " ", "!": "", " ": " "}
_WORDS = re.compile(r"\\(mathrm|mathbf|mathit|mathcal|operatorname|text|textrm|textbf|boldsymbol|hat|bar|tilde|vec)\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")


def plain_text(text: str) -> str:
    """TeX or matplotlib mathtext as plain Unicode text, for alt text: ``$\\eta = 0.1$`` → ``η = 0.1``."""
    text = text.replace("$", "")
    for _ in range(3):
        text = _WORDS.sub(r"\2", text)
        text = _FRAC.sub(r"(\1)/(\2)", text)
    text = re.sub(r"\\(left|right|big|Big|bigg|Bigg)\b", "", text)
    text = re.sub(r"\\([A-Za-z]+|[|,;! ])( (?=[A-Za-z0-9]))?", _command, text)
    text = re.sub(r"[{}]", "", text).replace("^", "").replace("_", "")
    return re.sub(r"\s+", " ", text).strip()


def _command(m) -> str:
    """A TeX command: a symbol takes the space before a letter after it (``\\partial h`` → ∂h), a word
    keeps it (``\\log x`` → log x)."""
    name, space = m.group(1), m.group(2) or ""
    return _SYMBOLS[name] if name in _SYMBOLS else name + space


def describe_axes(fig) -> str:
    """What a figure shows, read off its axes: each title and what is plotted against what."""
    parts = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        bits = []
        title = plain_text(ax.get_title())
        if title:
            bits.append(title)
        xl, yl = plain_text(ax.get_xlabel()), plain_text(ax.get_ylabel())
        if yl and xl:
            bits.append(f"{yl} against {xl}")
        elif yl or xl:
            bits.append(yl or xl)
        if bits:
            parts.append("; ".join(bits))
    return ". ".join(parts)


def compress_png(data: bytes, max_rms: float = 2.0) -> bytes:
    """``data`` as a 256-colour palette PNG when that is smaller and looks the same (RMS difference per
    channel at most ``max_rms`` of 255; plots have few colours, photographs are left alone)."""
    try:
        from PIL import Image, ImageChops, ImageStat
    except ImportError:                            # Pillow comes with matplotlib; be safe anyway
        return data
    img = Image.open(io.BytesIO(data))
    if img.mode == "P":
        return data
    rgb = img.convert("RGB")
    if img.mode in ("RGBA", "LA") and img.getextrema()[-1][0] < 255:
        return data                                # transparency: keep as is
    quant = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    rms = ImageStat.Stat(ImageChops.difference(rgb, quant.convert("RGB"))).rms
    if max(rms) > max_rms:
        return data
    out = io.BytesIO()
    quant.save(out, "PNG", optimize=True)
    small = out.getvalue()
    return small if len(small) < len(data) else data


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
