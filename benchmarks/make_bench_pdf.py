#!/usr/bin/env python3
"""Build the ingestion-benchmark PDF from the CMU/Pitt QA Wikipedia articles.

Needs: Python 3 (standard library only) and LibreOffice Writer on PATH as
``soffice`` (Debian: ``apt-get install -y --no-install-recommends
libreoffice-writer-nogui``).

Usage (from the repository root, with shared/ beside it as in CI):

    python3 benchmarks/make_bench_pdf.py \
        [--src /work/shared/benchmarks/cmu-qa-v1.2/Question_Answer_Dataset_v1.2/S08/data] \
        [--out benchmarks/data/cmu-wikipedia.pdf]

It writes one HTML file (a title page with attribution, then one article per
chapter, heading = article title, paragraphs = the blank-line separated blocks of
the ``.txt.clean`` file) and lets LibreOffice typeset it to PDF.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SRC = Path("/work/shared/benchmarks/cmu-qa-v1.2/Question_Answer_Dataset_v1.2/S08/data")
DEFAULT_OUT = HERE / "data" / "cmu-wikipedia.pdf"

# The articles included, in order (S08 set/article ids). Chosen to mix the four
# topic sets (animals, countries, US presidents, scientists) and land at about
# 130 pages; every one of them is referenced by S08 question_answer_pairs.txt.
ARTICLES = [
    "set1/a1",
    "set1/a2",
    "set1/a3",
    "set1/a4",
    "set1/a7",
    "set1/a8",
    "set1/a9",
    "set1/a10",
    "set2/a1",
    "set2/a3",
    "set2/a5",
    "set2/a8",
    "set2/a9",
    "set3/a2",
    "set3/a3",
    "set3/a4",
    "set3/a6",
    "set4/a2",
    "set4/a4",
    "set4/a5",
    "set4/a6",
    "set4/a7",
    "set4/a8",
    "set4/a9",
    "set4/a10",
]

CSS = """
body { font-family: 'DejaVu Serif', serif; font-size: 11pt; }
h1 { font-family: 'DejaVu Sans', sans-serif; font-size: 20pt; page-break-before: always; }
h1.first { page-break-before: auto; }
p { text-align: left; margin-top: 0; margin-bottom: 6pt; }
p.meta { font-size: 9pt; text-align: left; }
"""


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def title_of(first_line: str) -> str:
    t = first_line.strip().replace("_", " ")
    return t[:1].upper() + t[1:]


def paragraphs(body: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n", body):
        text = " ".join(block.split())
        if text:
            out.append(text)
    return out


def build_html(src: Path) -> tuple[str, int]:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        "<title>Wikipedia articles from the CMU/Pitt Question-Answer Dataset v1.2 (S08)</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1 class='first'>Wikipedia articles from the CMU/Pitt Question-Answer Dataset v1.2</h1>",
        "<p class='meta'>Ingestion benchmark document for ragapp. The text of each chapter is a "
        "Wikipedia article (2008) as distributed in the Question-Answer Dataset v1.2, S08 "
        "(Noah A. Smith, Michael Heilman, Rebecca Hwa, 2008; release by Kevin Gimpel, 2013). "
        "Licensed under the GNU Free Documentation License (see LICENSE-S08,S09 in the "
        "dataset). Original authors: the Wikipedia contributors of each article.</p>",
        "<p class='meta'>Articles: " + html.escape(", ".join(ARTICLES)) + "</p>",
    ]
    words = 0
    for art in ARTICLES:
        text = read_text(src / f"{art}.txt.clean")
        first, _, body = text.partition("\n")
        parts.append(f"<h1>{html.escape(title_of(first))}</h1>")
        for para in paragraphs(body):
            words += len(para.split())
            parts.append(f"<p>{html.escape(para)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts), words


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("soffice not found: apt-get install libreoffice-writer-nogui", file=sys.stderr)
        return 2
    doc, words = build_html(args.src)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        html_path = tmpdir / (args.out.stem + ".html")
        html_path.write_text(doc, encoding="utf-8")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{tmpdir / 'profile'}",
                "--headless",
                "--infilter=HTML (StarWriter)",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                str(tmpdir),
                str(html_path),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        shutil.move(str(tmpdir / (args.out.stem + ".pdf")), args.out)
    print(f"wrote {args.out} ({len(ARTICLES)} articles, {words} words)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
