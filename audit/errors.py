"""Errors a user can act on.

Every ``AuditError`` is rendered by the CLI as one line on stderr with exit code 2,
never as a traceback. The message says what is wrong and how to fix it.
"""


def one_line(text: str) -> str:
    """A message safe for the terminal: rich markup escaped, control characters shown as escapes, one line."""
    from rich.markup import escape

    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in " ".join(str(text).split()))
    return escape(shown)


class AuditError(Exception):
    """Bad input or configuration; the CLI prints it as one line and exits 2."""

    exit_code = 2


class SpecError(AuditError):
    """A claim spec file failed to parse or validate."""

    def __init__(self, path, field: str, problem: str):
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: field '{field}': {problem}")


class UnknownClaimError(AuditError):
    """A claim id that is not in the claims directory."""

    def __init__(self, claim_id: str, suggestions: list[str]):
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown claim '{claim_id}'{hint} (run 'audit claims' to list them)")


class IngestError(AuditError):
    """A report that is not in the synthesis format ``audit ingest`` reads."""


class StoreError(AuditError):
    """The DuckDB store cannot be opened or migrated."""


class StaleSchemaError(StoreError):
    """A read-only open of a store whose schema is older than the code's: it needs one migrating open."""


class NotApplicable(Exception):
    """Raised by an experiment when its model cannot answer the claim at this fidelity, with why.

    An outcome like ``Unverifiable``: recorded as a NOT_APPLICABLE run. A proxy whose training
    removed the mechanism a claim is about (a retrieval-tuned encoder, for a claim that
    intermediate training improves retrieval) measures nothing the claim is about.
    """


class Unverifiable(Exception):
    """Raised by an experiment when the data or labels it needs are not available.

    Not an ``AuditError``: it is an outcome, recorded as an UNVERIFIABLE run with its reason.
    """


def error_field(exc) -> tuple[str, str]:
    """A pydantic ``ValidationError``'s first problem as (dotted field, message): the one form every reader prints."""
    err = exc.errors()[0]
    return ".".join(str(p) for p in err["loc"]) or "<root>", err["msg"]


def pydantic_message(exc) -> str:
    """A pydantic ``ValidationError`` as one line: ``field 'a.b': problem``."""
    field, problem = error_field(exc)
    return f"field '{field}': {problem}"
