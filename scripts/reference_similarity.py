"""Cosine similarity of two sentences with all-MiniLM-L6-v2, computed the way sentence-transformers
does it (mean pooling over the attention mask, L2 normalisation), through onnxruntime's Python API
and the `tokenizers` library. It is the reference the `similarity` scorer is pinned against in
tests/it/score.rs.

    .venv/bin/python scripts/reference_similarity.py models/all-minilm-l6-v2 "text a" "text b"
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def embed(folder: Path, texts: list[str]) -> np.ndarray:
    max_length = json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of the batch
    encodings = tokenizer.encode_batch(texts)
    feed = {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    (hidden,) = session.run(["last_hidden_state"], feed)
    mask = feed["attention_mask"][..., None].astype(np.float32)
    mean = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    return mean / np.clip(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12, None)


def main() -> None:
    folder, a, b = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    va, vb = embed(folder, [a, b])
    print(repr(float(np.dot(va, vb))))


if __name__ == "__main__":
    main()
