"""Physical constants of the course, each with one value, its unit and its source.

Fundamental constants come from ``scipy.constants`` (CODATA): ``k`` (Boltzmann, J/K), ``R`` (gas
constant, J/(mol·K)), ``N_A`` (Avogadro, 1/mol). The properties of water and the temperature the
chapters use are here, so that week 9 (diffusion) and week 11 (low Reynolds number) compute with the
same numbers:

    T_20C      293.15 K            20 °C
    WATER_ETA  1.0016e-3 Pa·s      dynamic viscosity of water at 20 °C (CRC Handbook of Chemistry and
                                   Physics); Purcell (1977) rounds it to 1e-3 (ν = 10⁻² cm²/s)
    WATER_RHO  1.0e3 kg/m³         density of water (998.2 at 20 °C; 1000 to the precision of the
                                   chapters' estimates)

Used in: week 9, notebooks/09-diffusion.ipynb; week 11, notebooks/11-low-reynolds.ipynb.
"""

from __future__ import annotations

from scipy.constants import N_A, R, k

__all__ = ["T_20C", "WATER_ETA", "WATER_RHO", "k", "R", "N_A"]

T_20C = 293.15          # K
WATER_ETA = 1.0016e-3   # Pa·s, water at 20 °C
WATER_RHO = 1.0e3       # kg/m³
