"""Recorded answers: `RecordingModel` stores every request and answer of a live model in a
folder, `ReplayModel` answers from that folder, offline and deterministically.

A recording is `<request key>.json` holding the request and the answer (tools.llm.base:
the key hashes everything that shapes the answer, not the model's name). A request with no
recording is a ModelNotFound that names the key, so a stale recording is visible, not a
silent miss.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from tools.llm.base import ChatModel, ModelAnswer, ModelRequest
from tools.ports import ModelNotFound, ModelRefused


def recording_path(folder: Path, request: ModelRequest) -> Path:
    return folder / f"{request.key()}.json"


class ReplayModel:
    provider = "replay"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.model = str(self.folder)

    def complete(self, request: ModelRequest) -> ModelAnswer:
        path = recording_path(self.folder, request)
        if not path.is_file():
            raise ModelNotFound(f"replay: no recorded answer for request {request.key()} in "
                                f"{self.folder}; record one with `alertfix eval --model "
                                f"PROVIDER:MODEL --record {self.folder}`")
        try:
            answer = ModelAnswer.model_validate(json.loads(path.read_text())["answer"])
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            raise ModelRefused(f"replay: {path.name} is not a recording ({exc})") from None
        return answer.model_copy(update={"seconds": 0.0})


class RecordingModel:
    """`inner`, with every request and its answer written to `folder`."""

    def __init__(self, inner: ChatModel, folder: Path) -> None:
        self.inner, self.folder = inner, Path(folder)
        self.provider, self.model = inner.provider, inner.model

    def complete(self, request: ModelRequest) -> ModelAnswer:
        answer = self.inner.complete(request)
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"request": request.model_dump(mode="json"),
                  "answer": answer.model_dump(mode="json"),
                  "provider": self.provider, "model": self.model}
        # Written whole, then renamed: a parallel eval never reads half a recording.
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            json.dump(record, out, indent=1, sort_keys=True)
        os.replace(tmp, recording_path(self.folder, request))
        return answer
