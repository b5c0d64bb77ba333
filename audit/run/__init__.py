"""The run: one claim's spec resolved into a plan (``plan``), executed for each seed on this
host (``workers``) or on Ray (``ray_executor``), seeded and numerically fixed
(``determinism``), and recorded with its provenance (``runner``, ``records``, ``provenance``).
``verify`` is the library function behind ``audit verify``: run, store, judge.
"""
