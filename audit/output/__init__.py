"""The audit's output: rich tables and JSON (``render*``), the audit report in markdown and
HTML (``audit_report``, ``html_report``), JUnit for CI (``junit``) and figures (``figures``).
"""
