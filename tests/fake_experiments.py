"""Experiments for tests: they exercise runner, store and verdicts without ML code.

Values depend on params and the seed only, so each test knows what was measured.
"""

from audit.errors import Unverifiable
from audit.records import Measurement


def per_seed(ctx):
    values = ctx.params["values"]
    return [
        Measurement(metric=ctx.spec.metric.name, value=values[ctx.seed % len(values)]),
        Measurement(metric="score", value=1.0, task="xnli", language="de", split="dev"),
    ]


def missing_data(ctx):
    raise Unverifiable("MNLI train split is not in the data pack (english/mnli holds dev only)")


def broken(ctx):
    raise RuntimeError("boom")


def no_headline(ctx):
    return [Measurement(metric="other", value=1.0)]


def dies(ctx):
    import os

    if ctx.seed == 1:
        import time

        time.sleep(2)  # seed 0's run, in the other worker, finishes first
        os._exit(3)  # a worker process killed outright, as the OOM killer would
    return per_seed(ctx)
