"""Versioned schema migrations for the DuckDB store.

Each migration is applied once, in order, inside a transaction, and recorded in
``schema_migrations``. Never edit a released migration: append a new one.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "initial tables",
        """
        CREATE TABLE reports (
            id VARCHAR PRIMARY KEY, title VARCHAR, date VARCHAR, research_question VARCHAR,
            papers INTEGER, claims_stated INTEGER, verified_stated INTEGER, quality DOUBLE,
            rows_found INTEGER, verified_found INTEGER, source_path VARCHAR, sha256 VARCHAR,
            record JSON, ingested_at TIMESTAMPTZ
        );
        CREATE TABLE claims (
            id VARCHAR PRIMARY KEY, report_id VARCHAR, kind VARCHAR, statement VARCHAR,
            spec_hash VARCHAR, spec JSON, updated_at TIMESTAMPTZ
        );
        CREATE TABLE runs (
            id VARCHAR PRIMARY KEY, claim_id VARCHAR, experiment VARCHAR, profile VARCHAR,
            seed INTEGER, status VARCHAR, started_at TIMESTAMPTZ, ended_at TIMESTAMPTZ,
            error VARCHAR
        );
        CREATE TABLE provenance (
            run_id VARCHAR PRIMARY KEY, git_commit VARCHAR, git_dirty BOOLEAN,
            packages JSON, python VARCHAR, hardware JSON, gpu VARCHAR,
            data_fingerprints JSON, spec_hash VARCHAR, code_hash VARCHAR
        );
        CREATE TABLE measurements (
            run_id VARCHAR, metric VARCHAR, task VARCHAR, language VARCHAR,
            split VARCHAR, value DOUBLE
        );
        CREATE TABLE verdicts (
            id VARCHAR PRIMARY KEY, claim_id VARCHAR, profile VARCHAR, status VARCHAR,
            n INTEGER, mean DOUBLE, ci_low DOUBLE, ci_high DOUBLE, claimed DOUBLE,
            comparison VARCHAR, tolerance DOUBLE, reason VARCHAR,
            synthesis_verified BOOLEAN, synthesis_confidence DOUBLE,
            run_ids JSON, created_at TIMESTAMPTZ
        );
        """,
    ),
    (
        2,
        "verdicts say how they were reached and what their fidelity establishes",
        """
        ALTER TABLE verdicts ADD COLUMN route VARCHAR DEFAULT 'reproduced';
        ALTER TABLE verdicts ADD COLUMN note VARCHAR DEFAULT '';
        """,
    ),
    (
        3,
        "cited passages of source documents; caveats noted by runs",
        """
        CREATE TABLE citations (
            claim_id VARCHAR, source VARCHAR, sha256 VARCHAR, location VARCHAR,
            stance VARCHAR, matched VARCHAR, passage VARCHAR, created_at TIMESTAMPTZ
        );
        ALTER TABLE runs ADD COLUMN notes JSON DEFAULT '[]';
        """,
    ),
    (
        4,
        "measurements name the condition of their input (a perturbation sweep)",
        """
        ALTER TABLE measurements ADD COLUMN condition VARCHAR DEFAULT '';
        """,
    ),
    (
        5,
        "provenance records the numeric regime (threads, precision, kernels' ISA, libraries)",
        """
        ALTER TABLE provenance ADD COLUMN numerics JSON DEFAULT '{}';
        """,
    ),
]

LATEST = MIGRATIONS[-1][0]
