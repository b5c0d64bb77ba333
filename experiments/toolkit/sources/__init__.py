"""Where data comes from, one module per kind of source.

- ``hub``: Hugging Face hub datasets, or a local mirror laid out like the hub.
- ``pack``: the offline data pack named by ``AUDIT_DATA_DIR``.

Each raises ``audit.errors.Unverifiable`` naming the exact repo/config/split or file
that is missing, so a claim that needs it is UNVERIFIABLE with that reason.
"""
