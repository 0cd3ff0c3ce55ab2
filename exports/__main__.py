"""Render an export to PDF from the command line, to look at templates while changing them:

    .venv/bin/python -m exports bundle.json report.pdf
    pdftoppm -r 60 -png report.pdf page      # then open page-1.png ...

`bundle.json` is a JSON export as the API gives it (the envelope, or its `data`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from exports import render_pdf


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m exports BUNDLE.json OUT.pdf", file=sys.stderr)
        return 2
    document = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    bundle = document.get("data", document)
    started = time.perf_counter()
    pdf = render_pdf(bundle)
    Path(argv[1]).write_bytes(pdf)
    elapsed = time.perf_counter() - started
    print(f"{argv[1]}: {len(pdf):,} bytes in {elapsed:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
