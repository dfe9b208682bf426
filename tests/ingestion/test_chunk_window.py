"""Chunks fit the embedding model's window, counted by its own tokenizer, and a long chunk's
tail is found by dense search."""

import pytest

from ingestion.chunking import fit_to_window, split_text
from ingestion.models import Chunk
from ingestion.parsing import ChunkDraft
from ingestion.retrieval import SearchMode, search_chunks
from ingestion.text import split_sentences
from providers.embeddings import get_embedder
from tests.conftest import ingest_in_process
from tests.factories import CollectionFactory, UserFactory

# Readings with codes and numbers: many word pieces per character, so ~1,400 characters (inside
# CHUNK_MAX_CHARACTERS, one chunk for unstructured) are well over 256 tokens.
FILLER = " ".join(
    f"Station RTU-{4400 + i}/B logged 3.{i}7 bar at 04:{10 + i}:22 on 2024-03-{10 + i}."
    for i in range(24)
)
TAIL = "The spare hydrant standpipe key is kept in the blue cabinet at Marsh Lane depot."
LONG_PARAGRAPH = f"{FILLER} {TAIL}"


@pytest.fixture(scope="module")
def embedder():
    return get_embedder()


def test_the_local_model_reads_254_text_tokens(embedder):
    # 256 word pieces including [CLS] and [SEP].
    assert embedder.max_text_tokens == 254


def test_a_long_chunk_is_split_into_pieces_that_fit_and_keep_every_word(embedder):
    (count,) = embedder.count_tokens([LONG_PARAGRAPH])
    assert count > 254  # the premise: the model would drop this paragraph's tail
    drafts = [ChunkDraft(text="Short heading text.", metadata={"pages": [1]})]
    drafts.append(ChunkDraft(text=LONG_PARAGRAPH, metadata={"pages": [2], "sections": ["Log"]}))

    fitted = fit_to_window(drafts, count_tokens=embedder.count_tokens, max_tokens=254)

    assert fitted[0] is drafts[0]
    assert len(fitted) >= 3
    assert max(embedder.count_tokens([d.text for d in fitted])) <= 254
    assert " ".join(d.text for d in fitted[1:]).split() == LONG_PARAGRAPH.split()
    assert all(d.metadata == {"pages": [2], "sections": ["Log"]} for d in fitted[1:])
    assert fitted[-1].text.endswith(TAIL)  # split at a sentence boundary


def test_a_sentence_or_word_longer_than_the_budget_is_cut_to_fit(embedder):
    text = "word " * 300 + "x" * 2000 + "\nnext line stays"

    pieces = split_text(text, count_tokens=embedder.count_tokens, max_tokens=50)

    assert max(embedder.count_tokens(pieces)) <= 50
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_table_rows_stay_separate_sentences_when_a_table_is_split(embedder):
    # A spreadsheet's rows arrive one per paragraph ("name: value; ..."); the answer quotes a
    # row as one sentence, so the pieces keep the blank lines between rows.
    rows = [
        f"Site ID: RW-{i:02}; Site name: Intake {i}; Parameters: turbidity, colour, pH; "
        f"Frequency: weekly; Laboratory: Halyard Bay Laboratory; Team: Catchment and Source"
        for i in range(12)
    ]

    pieces = split_text("\n\n".join(rows), count_tokens=embedder.count_tokens, max_tokens=120)

    assert len(pieces) > 1
    assert [s for piece in pieces for s in split_sentences(piece)] == rows


@pytest.mark.django_db
def test_every_stored_chunk_fits_and_the_tail_of_a_long_paragraph_is_searchable(embedder):
    reader = UserFactory(username="rita")
    collection = CollectionFactory(slug="depot-log")
    collection.readers.add(reader)
    text = f"# Depot log\n\n{LONG_PARAGRAPH}\n\n## Other\n\nNothing else of note happened.\n"
    document = ingest_in_process(collection, "depot-log.md", text.encode())

    chunks = list(Chunk.objects.filter(document=document))
    assert chunks and max(chunk.token_count for chunk in chunks) <= 254
    assert max(embedder.count_tokens([chunk.text for chunk in chunks])) <= 254
    hits = search_chunks(
        user=reader,
        question="Where is the spare hydrant standpipe key kept?",
        mode=SearchMode.DENSE,
        k=1,
    )
    assert TAIL in hits[0].chunk.text
    assert hits[0].dense_similarity > 0.5
