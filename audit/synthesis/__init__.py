"""The synthesis in: a report's text (``report_format``, ``report_json``, ``report_markdown``)
parsed into claims, source documents (``documents``, ``cite``), and claims bound to
runnable specs (``binding``, ``drafts``, ``spec``, ``claims``). Here "report" means the
synthesis being audited; the audit's own output is ``audit.output``.
"""
