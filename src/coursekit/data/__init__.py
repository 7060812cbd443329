"""Small data files shipped inside coursekit (read with ``importlib.resources``).

- ``english_letters.csv`` — probabilities of the 26 letters and the space in English text,
  MacKay (2003), *Information Theory, Inference, and Learning Algorithms*, Table 2.9 (Figure 2.1).
  Used by :func:`coursekit.info.letter_frequencies` for Shannon's letter-entropy ladder (week 8).
"""
