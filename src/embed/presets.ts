// What each supported embedding model needs to be used well. `denseWeight` is how much the fused ranking
// trusts this model against BM25 (0 = keywords only, 1 = vectors only); it is set from `npm run eval`
// and `npm run eval:squad` for the models that could be measured here (all-MiniLM-L6-v2 from the Python
// package index, and the offline model), and from published retrieval results for the others, which
// cannot be downloaded on the machine this project is developed on (see docs/benchmarks.md).
import { MINILM_WHEEL } from './pretrained/wheels.js';

export interface ModelPreset {
  id: string;
  pooling: 'mean' | 'cls';
  queryPrefix: string;
  passagePrefix: string;
  /** The longest input the model reads, in WordPiece tokens, special tokens included. */
  maxTokens: number;
  dims: number;
  denseWeight: number;
  /** Below this cosine the best passage is not close enough to count as an answer by meaning alone. */
  minCosine: number;
  /** Built on this machine by `verbatim model build` rather than downloaded. */
  builtin: boolean;
  /** Installed from a pinned wheel of the Python package index (`verbatim model setup`), not from the hub. */
  pypi?: boolean;
}

export const STATIC_MODEL_ID = 'verbatim/static-wordnet-256';

export const PRESETS: Record<string, ModelPreset> = {
  [MINILM_WHEEL.modelId]: {
    id: MINILM_WHEEL.modelId,
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    maxTokens: MINILM_WHEEL.maxTokens,
    dims: 384,
    denseWeight: 0.5,
    minCosine: 0.35,
    builtin: false,
    pypi: true,
  },
  'Xenova/bge-small-en-v1.5': {
    id: 'Xenova/bge-small-en-v1.5',
    pooling: 'cls',
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    passagePrefix: '',
    maxTokens: 512,
    dims: 384,
    denseWeight: 0.5,
    minCosine: 0.6,
    builtin: false,
  },
  'Xenova/gte-small': {
    id: 'Xenova/gte-small',
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    maxTokens: 512,
    dims: 384,
    denseWeight: 0.5,
    minCosine: 0.8,
    builtin: false,
  },
  'Xenova/all-MiniLM-L6-v2': {
    id: 'Xenova/all-MiniLM-L6-v2',
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    maxTokens: 256,
    dims: 384,
    denseWeight: 0.4,
    minCosine: 0.35,
    builtin: false,
  },
  'Xenova/e5-small-v2': {
    id: 'Xenova/e5-small-v2',
    pooling: 'mean',
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
    maxTokens: 512,
    dims: 384,
    denseWeight: 0.5,
    minCosine: 0.78,
    builtin: false,
  },
  [STATIC_MODEL_ID]: {
    id: STATIC_MODEL_ID,
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    maxTokens: 512,
    dims: 256,
    denseWeight: 0.25,
    minCosine: 0.5,
    builtin: true,
  },
};

/**
 * Preference order when EMBEDDING_MODEL=auto: the first one present in MODELS_DIR wins. all-MiniLM-L6-v2
 * comes first because it is the one the reranker and the abstention model were trained and measured with
 * (the others could not be downloaded here to measure them); the hub is asked for its transformers.js export.
 */
export const AUTO_ORDER = [
  MINILM_WHEEL.modelId,
  'Xenova/all-MiniLM-L6-v2',
  'Xenova/bge-small-en-v1.5',
  'Xenova/gte-small',
  'Xenova/e5-small-v2',
  STATIC_MODEL_ID,
];

/** What `auto` downloads from the model hub when none is present and the hub answers. */
export const HUB_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** The files transformers.js reads for a feature-extraction model, relative to MODELS_DIR/<id>/. */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
