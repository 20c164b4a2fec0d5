"""Scale-out: the analyze job on Apache Spark (`storydesk spark`), and its Parquet output read back into
a store (`storydesk import`).

- ``session.py``: the Spark session, or why none can be had;
- ``tasks.py``: what an executor does with its records, through the stages' own functions;
- ``blocks.py``: clustering in blocks of publication days and merging across their borders;
- ``job.py``: the driver (``run_spark``), which keeps the store;
- ``tables.py``: the stored tables as Parquet, and their import.

Needs the ``spark`` extra (pyspark, pyarrow) and Java 17 or later.
"""

from __future__ import annotations

from .job import SparkRun, run_spark

__all__ = ["SparkRun", "run_spark"]
