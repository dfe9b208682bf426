"""Retrieval quality on a BEIR dataset: nDCG@10, recall@100 and MRR@10 of the dense, keyword
and hybrid modes of `search_chunks`, beside published references.

The corpus goes into a collection of its own (slug `beir-<dataset>`), one chunk per document
(title and text) unless a document is very long, embedded with the configured embedder. It is
loaded once: a second run reuses it, and an interrupted load resumes where it stopped.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation.beir import dataset_name, read_corpus, read_qrels, read_queries
from evaluation.metrics import evaluate_run
from ingestion import bulk_load
from ingestion.models import Collection, Document
from ingestion.retrieval import SearchMode, search_chunks
from providers.embeddings import get_embedder

# Documents longer than this are split at sentence ends into chunks of at most
# CHUNK_CHARACTERS; a SciFact abstract averages about 1,400 characters and stays whole, as in
# the published runs we compare with.
WHOLE_DOCUMENT_CHARACTERS = 6000
CHUNK_CHARACTERS = 1500
LOAD_BATCH = 256
# nDCG@10 on the test split, from the dataset's SOURCE.md.
REFERENCES = {
    "scifact": {
        SearchMode.DENSE: "all-MiniLM-L6-v2 (MTEB) 0.645",
        SearchMode.KEYWORD: "BM25 0.665 (Anserini multifield) - 0.684 (PyTerrier); 0.663 here",
        SearchMode.HYBRID: "target >= 0.70, above both",
    }
}


class Command(BaseCommand):
    help = "nDCG@10, recall@100 and MRR@10 of each search mode on a BEIR dataset."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--beir", type=Path, required=True, help="A BEIR dataset folder.")
        parser.add_argument("--split", default="test")
        parser.add_argument("--depth", type=int, default=100, help="Results per query.")

    def handle(self, *args, **options) -> None:
        directory: Path = options["beir"]
        if not (directory / "corpus.jsonl").exists():
            raise CommandError(f"No BEIR corpus in {directory}.")
        name = dataset_name(directory)
        collection, _ = Collection.objects.get_or_create(
            slug=f"beir-{name}"[:100], defaults={"name": f"BEIR {name}"}
        )
        self._load(collection, directory)
        qrels = read_qrels(directory, options["split"])
        queries = {
            query_id: text for query_id, text in read_queries(directory) if query_id in qrels
        }
        reader, _ = get_user_model().objects.get_or_create(username="bench-retrieval")
        collection.readers.add(reader)
        ids = list(queries)
        vectors = get_embedder().embed([queries[query_id] for query_id in ids])
        external_ids = dict(
            Document.objects.filter(collection=collection).values_list("pk", "external_id")
        )

        self.stdout.write(
            f"BEIR {name}, {options['split']} split: {len(ids)} queries, "
            f"{len(external_ids)} documents, depth {options['depth']}"
        )
        self.stdout.write(
            f"{'mode':<8} {'nDCG@10':>8} {'R@100':>6} {'MRR@10':>7} {'ms/query':>8}  reference nDCG@10"
        )
        for mode in [SearchMode.DENSE, SearchMode.KEYWORD, SearchMode.HYBRID]:
            started = time.perf_counter()
            run = {}
            for query_id, vector in zip(ids, vectors, strict=True):
                results = search_chunks(
                    user=reader,
                    question=queries[query_id],
                    collection_ids=[collection.pk],
                    mode=mode,
                    k=options["depth"],
                    query_embedding=vector,
                )
                run[query_id] = [external_ids[r.chunk.document_id] for r in results]
            elapsed_ms = (time.perf_counter() - started) * 1000 / max(len(ids), 1)
            mean = evaluate_run(run, qrels, ks=(10, 100)).mean
            reference = REFERENCES.get(name, {}).get(mode, "")
            self.stdout.write(
                f"{mode.value:<8} {mean['nDCG@10']:>8.4f} {mean['R@100']:>6.4f} "
                f"{mean['RR@10']:>7.4f} {elapsed_ms:>8.1f}  {reference}"
            )

    def _load(self, collection: Collection, directory: Path) -> None:
        """Add the corpus documents the collection does not have yet, in batches."""
        present = set(
            Document.objects.filter(collection=collection).values_list("external_id", flat=True)
        )
        missing = [row for row in read_corpus(directory) if row[0] not in present]
        if not missing:
            return
        embedder = get_embedder()
        self.stderr.write(f"loading {len(missing)} documents into {collection.slug}...")
        started = time.monotonic()
        for start in range(0, len(missing), LOAD_BATCH):
            batch = missing[start : start + LOAD_BATCH]
            pieces = [_chunk_texts(title, text) for _, title, text in batch]
            texts = [piece for document in pieces for piece in document]
            vectors = iter(embedder.embed(texts))
            counts = iter(embedder.count_tokens(texts))
            bulk_load.load_prepared_documents(
                collection=collection,
                documents=[
                    bulk_load.PreparedDocument(
                        source_name=f"{corpus_id}",
                        title=title or corpus_id,
                        external_id=corpus_id,
                        chunks=[
                            bulk_load.PreparedChunk(
                                text=piece, embedding=next(vectors), token_count=next(counts)
                            )
                            for piece in document
                        ],
                    )
                    for (corpus_id, title, _), document in zip(batch, pieces, strict=True)
                ],
                embedding_model=embedder.model_id,
            )
            done = start + len(batch)
            rate = done / (time.monotonic() - started)
            self.stderr.write(
                f"  {done}/{len(missing)} documents, {rate:.1f}/s, "
                f"about {(len(missing) - done) / rate / 60:.0f} min left"
            )


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _chunk_texts(title: str, text: str) -> list[str]:
    """Title and text as one chunk; a very long document as several, each headed by the title."""
    whole = f"{title}\n\n{text}".strip()
    if len(whole) <= WHOLE_DOCUMENT_CHARACTERS:
        return [whole]
    chunks, current = [], ""
    for sentence in _SENTENCE_END.split(text):
        if current and len(current) + len(sentence) > CHUNK_CHARACTERS:
            chunks.append(f"{title}\n\n{current}".strip())
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        chunks.append(f"{title}\n\n{current}".strip())
    return chunks
