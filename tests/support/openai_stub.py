"""A small OpenAI-compatible HTTP server on loopback, for tests of providers.llm.

Each route (e.g. "/v1/embeddings", "/v1/chat/completions") is answered by a handler that takes
the request's JSON body and returns (status, JSON body). A test replaces a route's handler to
make the provider misbehave, and reads `requests` to see what the client sent:

    with OpenAIStub() as stub:
        stub.route("/v1/embeddings", lambda body: (500, {"error": {"message": "down"}}))
        settings.OPENAI_BASE_URL = stub.base_url
        ...
        assert len(stub.requests_to("/v1/embeddings")) == 3
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class StubRequest:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


def fake_vector(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector for `text`, derived from SHA-256 of the text.

    The values are float32, so they survive the base64 encoding the openai client asks for."""
    values: list[float] = []
    counter = 0
    while len(values) < dimensions:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values += [byte / 127.5 - 1.0 for byte in digest]
        counter += 1
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    values = [v / norm for v in values]
    return list(struct.unpack(f"<{dimensions}f", struct.pack(f"<{dimensions}f", *values)))


def embeddings(*, default_dimensions: int = 384, ignore_dimensions: bool = False) -> Handler:
    """A handler for /v1/embeddings. It honours "dimensions" unless told to ignore it."""

    def handle(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dimensions = default_dimensions
        if body.get("dimensions") and not ignore_dimensions:
            dimensions = body["dimensions"]
        data = []
        for index, text in enumerate(texts):
            vector: Any = fake_vector(str(text), dimensions)
            if body.get("encoding_format") == "base64":
                vector = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(len(str(text).split()) for text in texts)
        return 200, {
            "object": "list",
            "data": data,
            "model": body.get("model", "stub"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    return handle


def chat_completion(content: str) -> Handler:
    """A handler for /v1/chat/completions that always answers `content`."""

    def handle(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "stub"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    return handle


def altered(handler: Handler, change) -> Handler:
    """`handler`, with `change(payload)` applied to each answer it gives."""

    def altered_handler(body):
        status, payload = handler(body)
        change(payload)
        return status, payload

    return altered_handler


def error(status: int, message: str = "stub error") -> Handler:
    """A handler that always fails with `status` and an OpenAI-style error body."""

    def handle(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return status, {"error": {"message": message, "type": "stub_error", "code": None}}

    return handle


class OpenAIStub:
    def __init__(self, routes: dict[str, Handler] | None = None) -> None:
        self.routes: dict[str, Handler] = {"/v1/embeddings": embeddings()}
        self.routes.update(routes or {})
        self.requests: list[StubRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def requests_to(self, path: str) -> list[StubRequest]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def start(self) -> OpenAIStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                path = self.path.split("?", 1)[0]
                with stub._lock:
                    headers = {key.lower(): value for key, value in self.headers.items()}
                    stub.requests.append(StubRequest(path, body, headers))
                handler = stub.routes.get(path)
                if handler is None:
                    status, payload = 404, {"error": {"message": f"no route {path}"}}
                else:
                    status, payload = handler(body)
                encoded = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        return RequestHandler


_QUOTED_ORDER = re.compile(
    r"\b(?:say|print|output|write|respond with|reply with|answer with|add|include|begin your "
    r"(?:reply|answer|response) with|start your (?:reply|answer|response) with)\b\s*:?\s*"
    r"[\"“]([^\"”]{1,300})[\"”]",
    re.IGNORECASE,
)
_PROMPT_ORDER = re.compile(
    r"\b(?:reveal|print|repeat|show|output|tell me)\b.{0,40}\b(?:system prompt|instructions|"
    r"rules|prompt)\b",
    re.IGNORECASE,
)
_SOURCE = re.compile(r'<source id="(\d+)" title="[^"]*">\n(.*?)\n</source>', re.DOTALL)


def obedient() -> Handler:
    """A /v1/chat/completions handler for a model that obeys any instruction it reads, in the
    sources or the question: it says what it is told to say (quoted text), reveals its system
    prompt when asked, and otherwise quotes the first sentence of the first source. Citing the
    source it read, in the JSON shape asked for. It tests the structural defences, not a model.
    """

    def handle(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        system, user = body["messages"][0]["content"], body["messages"][1]["content"]
        sources = [(int(i), html.unescape(text)) for i, text in _SOURCE.findall(user)]
        question = html.unescape(user.rsplit("<question>", 1)[-1])
        said = []
        for chunk_id, text in [*sources, (sources[0][0] if sources else 0, question)]:
            said += [(chunk_id, quoted) for quoted in _QUOTED_ORDER.findall(text)]
            if _PROMPT_ORDER.search(text):
                said.append((chunk_id, " ".join(system.split())))
        if not said and sources:
            said = [(sources[0][0], sources[0][1].split(". ")[0].strip().rstrip(".") + ".")]
        sentences = [{"text": text[:1000], "chunk_ids": [i]} for i, text in said[:8] if i]
        return chat_completion(json.dumps({"sentences": sentences}))(body)

    return handle
