"""Imported once by the parser fork server, so each sandboxed parse starts warm.

Imports every partitioner we dispatch to and loads the spaCy model that unstructured uses to
classify text, instead of paying seconds for them in every child.
"""

import gc

import unstructured.chunking.title
import unstructured.nlp.tokenize
import unstructured.partition.auto
import unstructured.partition.csv
import unstructured.partition.docx
import unstructured.partition.email
import unstructured.partition.html
import unstructured.partition.md
import unstructured.partition.msg
import unstructured.partition.pdf
import unstructured.partition.pptx
import unstructured.partition.text
import unstructured.partition.xlsx  # noqa: F401

from ingestion.parsing import use_packaged_spacy_model

use_packaged_spacy_model()
unstructured.nlp.tokenize._get_nlp()

# First calls initialise lazy state (caches, spaCy pipelines, lxml parsers); run them here once
# so every forked child starts warm instead of paying for it on each document.
_sample = "Heading\n\nA short paragraph for warming up the parser. It has two sentences."
unstructured.chunking.title.chunk_by_title(
    unstructured.partition.md.partition_md(text=f"# {_sample}")
    + unstructured.partition.html.partition_html(text=f"<h1>Heading</h1><p>{_sample}</p>")
    + unstructured.partition.text.partition_text(text=_sample)
)

# Children must not copy the fork server's memory page by page: keep the garbage collector
# away from everything loaded so far (the reason gc.freeze exists).
gc.collect()
gc.freeze()
