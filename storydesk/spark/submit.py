"""Scale-out, the file `spark-submit` runs: `storydesk spark` with the submitted master.

    spark-submit --master yarn --archives storydesk-env.tar.gz#env \\
        "$(python -c 'import storydesk.spark.submit as m; print(m.__file__)')" s3a://bucket/news/ --out s3a://bucket/out/
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from storydesk.cli import cli  # absolute: spark-submit runs this file as a script

    cli(["spark", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
