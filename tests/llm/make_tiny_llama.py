#!/usr/bin/env python3
"""Writes a small random-weight llama-architecture GGUF (v3) for tests.

No download and no numpy: the tokenizer is copied from a vocab-only GGUF
(llama.cpp ships models/ggml-vocab-llama-spm.gguf), the weights come from a
seeded generator, so the same arguments always give the same bytes.

  make_tiny_llama.py --vocab ggml-vocab-llama-spm.gguf --type q8_0 -o tiny.gguf
"""
import argparse
import random
import struct

# GGUF metadata value types.
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f",
          BOOL: "?", U64: "Q", I64: "q", F64: "d"}
# ggml tensor types.
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8
FILE_TYPE = {"f32": 0, "f16": 1, "q8_0": 7}
ALIGNMENT = 32


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values[0]

    def string(self):
        n = self.take("Q")
        s = self.data[self.pos:self.pos + n]
        self.pos += n
        return s

    def value(self, kind):
        if kind == STR:
            return self.string()
        if kind == ARR:
            inner, n = self.take("I"), self.take("Q")
            return (inner, [self.value(inner) for _ in range(n)])
        return self.take(SCALAR[kind])


def read_metadata(path):
    r = Reader(open(path, "rb").read())
    if r.take("I") != 0x46554747:
        raise SystemExit(f"{path}: not a GGUF file")
    if r.take("I") != 3:
        raise SystemExit(f"{path}: only GGUF v3 is supported")
    r.take("Q")  # tensor count
    kv = []
    for _ in range(r.take("Q")):
        key = r.string().decode()
        kind = r.take("I")
        kv.append((key, kind, r.value(kind)))
    return kv


class Writer:
    def __init__(self):
        self.parts = []

    def put(self, fmt, *values):
        self.parts.append(struct.pack("<" + fmt, *values))

    def string(self, s):
        if isinstance(s, str):
            s = s.encode()
        self.put("Q", len(s))
        self.parts.append(s)

    def value(self, kind, v):
        if kind == STR:
            self.string(v)
        elif kind == ARR:
            inner, items = v
            self.put("IQ", inner, len(items))
            if inner in SCALAR:
                self.parts.append(struct.pack("<%d%s" % (len(items), SCALAR[inner]), *items))
            else:
                for item in items:
                    self.value(inner, item)
        else:
            self.put(SCALAR[kind], v)

    def bytes(self):
        return b"".join(self.parts)


def weights(rng, count, scale):
    """`count` floats, uniform in [-scale, scale)."""
    return [(rng.random() * 2.0 - 1.0) * scale for _ in range(count)]


def encode(values, ggml_type):
    if ggml_type == GGML_F32:
        return struct.pack("<%df" % len(values), *values)
    if ggml_type == GGML_F16:
        return struct.pack("<%de" % len(values), *values)
    # q8_0: blocks of 32 values, an f16 scale then 32 int8 quants.
    out = bytearray()
    for i in range(0, len(values), 32):
        block = values[i:i + 32]
        amax = max(abs(v) for v in block)
        d = amax / 127.0 if amax else 0.0
        d = struct.unpack("<e", struct.pack("<e", d))[0]
        out += struct.pack("<e", d)
        out += struct.pack("<32b", *[max(-127, min(127, round(v / d))) if d else 0 for v in block])
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vocab", required=True, help="vocab-only GGUF to take the tokenizer from")
    ap.add_argument("--type", choices=sorted(FILE_TYPE), default="q8_0")
    ap.add_argument("--embd", type=int, default=256)
    ap.add_argument("--ff", type=int, default=512)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--heads-kv", type=int, default=2)
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    tokenizer = [(k, t, v) for k, t, v in read_metadata(args.vocab) if k.startswith("tokenizer.")]
    tokens = next(v for k, t, v in tokenizer if k == "tokenizer.ggml.tokens")[1]
    n_vocab = len(tokens)
    embd, ff, head_dim = args.embd, args.ff, args.embd // args.heads
    kv_dim = head_dim * args.heads_kv
    big = {"f32": GGML_F32, "f16": GGML_F16, "q8_0": GGML_Q8_0}[args.type]

    kv = [
        ("general.architecture", STR, "llama"),
        ("general.name", STR, f"vgpu tiny llama {args.type}"),
        ("general.file_type", U32, FILE_TYPE[args.type]),
        ("general.alignment", U32, ALIGNMENT),
        ("llama.context_length", U32, args.context),
        ("llama.embedding_length", U32, embd),
        ("llama.block_count", U32, args.layers),
        ("llama.feed_forward_length", U32, ff),
        ("llama.attention.head_count", U32, args.heads),
        ("llama.attention.head_count_kv", U32, args.heads_kv),
        ("llama.rope.dimension_count", U32, head_dim),
        ("llama.rope.freq_base", F32, 10000.0),
        ("llama.attention.layer_norm_rms_epsilon", F32, 1e-5),
        ("llama.vocab_size", U32, n_vocab),
    ] + tokenizer

    # (name, shape as ggml's ne[], type, scale). Scales keep activations O(1)
    # and make the logits peaked, so greedy decoding is not decided by noise.
    tensors = [("token_embd.weight", [embd, n_vocab], big, 1.0)]
    for i in range(args.layers):
        p = f"blk.{i}."
        tensors += [
            (p + "attn_norm.weight", [embd], GGML_F32, None),
            (p + "attn_q.weight", [embd, embd], big, 2.0 / embd ** 0.5),
            (p + "attn_k.weight", [embd, kv_dim], big, 2.0 / embd ** 0.5),
            (p + "attn_v.weight", [embd, kv_dim], big, 1.0 / embd ** 0.5),
            (p + "attn_output.weight", [embd, embd], big, 1.0 / embd ** 0.5),
            (p + "ffn_norm.weight", [embd], GGML_F32, None),
            (p + "ffn_gate.weight", [embd, ff], big, 2.0 / embd ** 0.5),
            (p + "ffn_up.weight", [embd, ff], big, 2.0 / embd ** 0.5),
            (p + "ffn_down.weight", [ff, embd], big, 1.0 / ff ** 0.5),
        ]
    tensors += [("output_norm.weight", [embd], GGML_F32, None),
                ("output.weight", [embd, n_vocab], big, 16.0 / embd ** 0.5)]

    rng = random.Random(args.seed)
    blobs = []
    for name, shape, ggml_type, scale in tensors:
        count = 1
        for d in shape:
            count *= d
        values = [1.0] * count if scale is None else weights(rng, count, scale)
        blobs.append(encode(values, ggml_type))

    w = Writer()
    w.put("IIQQ", 0x46554747, 3, len(tensors), len(kv))
    for key, kind, value in kv:
        w.string(key)
        w.put("I", kind)
        w.value(kind, value)
    offset = 0
    for (name, shape, ggml_type, _), blob in zip(tensors, blobs):
        w.string(name)
        w.put("I", len(shape))
        w.put("%dQ" % len(shape), *shape)
        w.put("IQ", ggml_type, offset)
        offset += (len(blob) + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
    header = w.bytes()
    with open(args.output, "wb") as f:
        f.write(header)
        f.write(b"\0" * (-len(header) % ALIGNMENT))
        for blob in blobs:
            f.write(blob)
            f.write(b"\0" * (-len(blob) % ALIGNMENT))


if __name__ == "__main__":
    main()
