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
    (
        6,
        "item-level outcomes per run, arm, task and language; verdicts carry fidelity, gates and tests",
        """
        CREATE TABLE cells (
            run_id VARCHAR, cell INTEGER, arm VARCHAR, role VARCHAR, task VARCHAR, language VARCHAR,
            trained BOOLEAN, trivial DOUBLE, floor DOUBLE, sigmas DOUBLE, max_class_share DOUBLE,
            PRIMARY KEY (run_id, cell)
        );
        CREATE TABLE item_outcomes (
            run_id VARCHAR, cell INTEGER, position INTEGER, item VARCHAR, num DOUBLE, den DOUBLE, pred VARCHAR
        );
        ALTER TABLE verdicts ADD COLUMN report VARCHAR;
        ALTER TABLE verdicts ADD COLUMN fidelity VARCHAR;
        ALTER TABLE verdicts ADD COLUMN model VARCHAR;
        ALTER TABLE verdicts ADD COLUMN gates JSON DEFAULT '[]';
        ALTER TABLE verdicts ADD COLUMN interval_method VARCHAR;
        ALTER TABLE verdicts ADD COLUMN p_value DOUBLE;
        ALTER TABLE verdicts ADD COLUMN p_adjusted DOUBLE;
        ALTER TABLE verdicts ADD COLUMN mde DOUBLE;
        ALTER TABLE verdicts ADD COLUMN smallest_effect DOUBLE;
        """,
    ),
    (
        7,
        "every ingested version of a report is kept, by content; reports holds the newest",
        """
        CREATE TABLE report_versions (
            report_id VARCHAR, version INTEGER, sha256 VARCHAR, source_path VARCHAR, rows_found INTEGER,
            record JSON, ingested_at TIMESTAMPTZ, PRIMARY KEY (report_id, version)
        );
        INSERT INTO report_versions
            SELECT id, 1, sha256, source_path, rows_found, record, ingested_at FROM reports;
        """,
    ),
    (
        8,
        "runs store the params that ran (the experiment's resolved Params model)",
        """
        ALTER TABLE runs ADD COLUMN params JSON DEFAULT '{}';
        """,
    ),
    (
        9,
        "cells: a treated cell names the reference arm it is paired with; the gate policy is a margin above "
        "trivial and a collapse share (sigmas and max_class_share are no longer written)",
        """
        ALTER TABLE cells ADD COLUMN against VARCHAR DEFAULT '';
        ALTER TABLE cells ADD COLUMN margin DOUBLE;
        ALTER TABLE cells ADD COLUMN collapse_share DOUBLE;
        """,
    ),
    (
        10,
        "runs store their resolved plan (every stage's key, inputs and values: audit.run.plan.RunPlan) and the "
        "stage keys the run consumed",
        """
        ALTER TABLE runs ADD COLUMN plan JSON;
        ALTER TABLE runs ADD COLUMN stage_keys JSON DEFAULT '[]';
        """,
    ),
]

LATEST = MIGRATIONS[-1][0]
