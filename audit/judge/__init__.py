"""The judge: from stored measurements and item outcomes to verdicts. Intervals that count
seeds and items once (``stats``, ``paired``, ``gain_table``), the validity gates (``gates``),
the verdict engine with multiplicity (``verdict``), calibration of the synthesis's marks
(``calibration``) and the reproducibility gate against a baseline (``ci``).
"""
