"""Imported once by the parser fork server, so each sandboxed parse starts warm.

Imports every partitioner we dispatch to and loads the spaCy model that unstructured uses to
classify text, instead of paying seconds for them in every child.
"""

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
