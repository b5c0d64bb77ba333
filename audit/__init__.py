"""audit: reproduce the claims of a paper or a machine-written synthesis and judge them.

The data flows one way::

    claim spec (claims/*.yaml, audit.spec)
      -> experiment (experiments/, resolved by audit.registry, run by audit.runner)
      -> run record (audit.records: measurements + provenance)
      -> store (audit.store, DuckDB)
      -> verdict (audit.verdict, audit.calibration)
      -> report (audit.report, audit.render)

Imports stay lazy: nothing here pulls in torch, so ``audit --help`` starts fast.
"""

__version__ = "0.1.0"
