"""Scale-out, the engine: a Spark session whose Python workers run this interpreter, or the reason none can
be had (no pyspark, no Java) as a StorydeskError saying what to install."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SparkUnavailableError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[2]"
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")  # Spark's own warnings kept off the terminal
# Records per task: small enough that a retried task redoes little, large enough that a worker's spaCy
# pipeline and ONNX session (loaded once per Python worker) serve many records.
ARTICLES_PER_TASK = 64


def java_missing() -> str | None:
    """Why Spark cannot start here (no Java), or None."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return None
    if shutil.which("java"):
        return None
    return (
        "storydesk spark needs Java 17 or later: install it "
        "(e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
    )


def start(master: str | None = None, app: str = "storydesk") -> SparkSession:
    """A Spark session on ``master`` (default ``local[2]``; a cluster's URL under spark-submit, where the
    submitted master is kept when none is given)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailableError("storydesk spark needs pyspark: pip install 'storydesk[spark]'") from exc
    reason = java_missing()
    if reason:
        raise SparkUnavailableError(reason)
    # Local workers run this interpreter (its venv holds the models); a cluster sets its own.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if (master or DEFAULT_MASTER).startswith("local"):  # no warning about the host's loopback name
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app).config(
        "spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"
    )
    # Under spark-submit the JVM started this driver (PYSPARK_GATEWAY_PORT) and holds the submitted master.
    if master or not os.environ.get("PYSPARK_GATEWAY_PORT"):
        builder = builder.master(master or DEFAULT_MASTER)
    builder = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.python.worker.reuse", "true")
        # Spark runs a task per core: a worker's ONNX session and numeric libraries each keep to one
        # thread, else two workers' spinning thread pools share two cores and neither gains (on ECB+ the
        # dossiers took as long on local[2] as on local[1]).
        .config("spark.executorEnv.STORYDESK_THREADS", os.environ.get("STORYDESK_THREADS", "1"))
        .config("spark.executorEnv.OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
        .config("spark.driver.memory", os.environ.get("STORYDESK_SPARK_DRIVER_MEMORY", "4g"))
    )
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: say so in one line
        raise SparkUnavailableError(
            f"Spark could not start ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session
