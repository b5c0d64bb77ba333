"""audit: reproduce the claims of a paper or a machine-written synthesis and judge them.

The data flows one way::

    claim spec (claims/*.yaml, audit.synthesis.spec)
      -> experiment (experiments/, resolved by audit.registry, run by audit.run.runner)
      -> run record (audit.run.records: measurements + provenance)
      -> store (audit.store, DuckDB)
      -> verdict (audit.judge.verdict, audit.judge.calibration)
      -> report (audit.output.audit_report, audit.output.render)

Imports stay lazy: nothing here pulls in torch, so ``audit --help`` starts fast.
"""

__version__ = "0.1.0"
