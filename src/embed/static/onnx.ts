// Writes a static embedding model as a real ONNX graph with the inputs and output of a BERT encoder
// (input_ids, attention_mask → last_hidden_state), so transformers.js loads and pools it like any
// pretrained feature-extraction model. The graph is one Gather from the token table.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export function staticModelOnnx(table: Float32Array, vocabSize: number, dims: number): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const dim = (name: string) => ({ dimParam: name });
  const tensorType = (elemType: number, shape: { dimParam?: string; dimValue?: number }[]) => ({
    tensorType: { elemType, shape: { dim: shape } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'verbatim',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'static_embedding',
      node: [
        {
          opType: 'Gather',
          input: ['token_embeddings', 'input_ids'],
          output: ['last_hidden_state'],
          name: 'lookup',
          attribute: [{ name: 'axis', i: 0, type: onnx.AttributeProto.AttributeType.INT }],
        },
      ],
      initializer: [
        {
          name: 'token_embeddings',
          dataType: T.FLOAT,
          dims: [vocabSize, dims],
          rawData: new Uint8Array(table.buffer, table.byteOffset, table.byteLength),
        },
      ],
      input: [
        { name: 'input_ids', type: tensorType(T.INT64, [dim('batch'), dim('sequence')]) },
        // Accepted (and ignored) so the model has a BERT encoder's signature; pooling applies the mask.
        { name: 'attention_mask', type: tensorType(T.INT64, [dim('batch'), dim('sequence')]) },
      ],
      output: [{ name: 'last_hidden_state', type: tensorType(T.FLOAT, [dim('batch'), dim('sequence'), { dimValue: dims }]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
