"""BEIR readers: the layout GenericDataLoader reads, CRLF qrels with a header included."""

import json

from evaluation.beir import dataset_name, read_corpus, read_qrels, read_queries


def write_dataset(directory) -> None:
    (directory / "qrels").mkdir(parents=True)
    corpus = [
        {"_id": "d1", "title": "Kestrels", "text": "Kestrels hover.", "metadata": {}},
        {"_id": "d2", "text": "No title here."},
    ]
    (directory / "corpus.jsonl").write_text("".join(json.dumps(row) + "\n" for row in corpus))
    queries = [{"_id": "q1", "text": "Do kestrels hover?"}, {"_id": "q2", "text": "Untitled?"}]
    (directory / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries) + "\n\n")
    (directory / "qrels" / "test.tsv").write_bytes(
        b"query-id\tcorpus-id\tscore\r\nq1\td1\t1\r\nq2\td2\t2\r\nq2\td1\t0\r\n"
    )


def test_it_reads_corpus_queries_and_qrels(tmp_path):
    directory = tmp_path / "tiny"
    write_dataset(directory)

    assert list(read_corpus(directory)) == [
        ("d1", "Kestrels", "Kestrels hover."),
        ("d2", "", "No title here."),
    ]
    assert dict(read_queries(directory)) == {"q1": "Do kestrels hover?", "q2": "Untitled?"}
    assert read_qrels(directory, "test") == {"q1": {"d1": 1}, "q2": {"d2": 2, "d1": 0}}
    assert dataset_name(directory) == "tiny"
