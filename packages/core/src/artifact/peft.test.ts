import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../safetensors/safetensors.js';
import { exportPeft, importPeft, type PeftImportDefaults } from './peft.js';
import { readPeftSidecar } from './peft-sidecar.js';
import { decodePromptArtifact, encodePromptArtifact, type PromptManifestInput } from './prompt-artifact.js';
import { errorOf } from '../test-support/errors.js';

const manifest: PromptManifestInput = {
  taskId: 'sst2',
  taskName: 'SST-2',
  task: { kind: 'classification', id: 'sst2', name: 'SST-2', template: '{sentence}', verbalizer: { '0': ' bad', '1': ' good' } },
  baseModel: 'stories260K',
  architecture: 'llama',
  fingerprint: `sha256:${'ab'.repeat(32)}`,
  init: { method: 'sampled-vocab' },
  metrics: { accuracy: 0.75 },
  createdAt: '2024-05-01T12:00:00Z',
};
const { baseModel: _b, architecture: _a, init: _i, ...defaults } = manifest;
const embeddings = Float32Array.from({ length: 5 * 8 }, (_, i) => Math.cos(i * 1.7) * 0.3);
const artifact = (patch: Partial<PromptManifestInput> = {}, dtype: 'float32' | 'float16' = 'float32') =>
  encodePromptArtifact({ embeddings, promptLength: 5, dModel: 8, manifest: { ...manifest, ...patch }, dtype });
const json = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));


describe('PEFT export', () => {
  it('writes a PromptTuningConfig and prompt_embeddings [k, d] as PEFT saves them', () => {
    const files = exportPeft(artifact(), { numAttentionHeads: 8, numLayers: 5 });
    expect([...files.keys()]).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'ptune_task.json', 'README.md']);
    const config = json(files.get('adapter_config.json'));
    expect(config).toEqual({
      auto_mapping: null,
      base_model_name_or_path: 'stories260K',
      inference_mode: true,
      num_attention_heads: 8,
      num_layers: 5,
      num_transformer_submodules: 1,
      num_virtual_tokens: 5,
      peft_type: 'PROMPT_TUNING',
      prompt_tuning_init: 'SAMPLE_VOCAB',
      prompt_tuning_init_text: null,
      revision: null,
      task_type: 'CAUSAL_LM',
      token_dim: 8,
      tokenizer_kwargs: null,
      tokenizer_name_or_path: null,
    });
    expect(Object.keys(config)).toEqual(Object.keys(config).sort()); // PEFT writes sorted keys
    const weights = parseSafetensors(files.get('adapter_model.safetensors')!);
    expect([...weights.tensors.keys()]).toEqual(['prompt_embeddings']);
    expect(weights.metadata).toEqual({ format: 'pt' });
    const entry = weights.tensors.get('prompt_embeddings')!;
    expect(entry.shape).toEqual([5, 8]);
    expect(toFloat32(entry, 'prompt_embeddings')).toEqual(embeddings);
  });

  it('maps t5 to SEQ_2_SEQ_LM and text init to TEXT with a tokenizer, keeping f16 weights', () => {
    const bytes = artifact({ architecture: 't5', init: { method: 'text', text: 'Is this review positive?' } }, 'float16');
    const files = exportPeft(bytes, { baseModelNameOrPath: 'google/t5-v1_1-small' });
    expect(json(files.get('adapter_config.json'))).toMatchObject({
      task_type: 'SEQ_2_SEQ_LM',
      num_transformer_submodules: 1,
      prompt_tuning_init: 'TEXT',
      prompt_tuning_init_text: 'Is this review positive?',
      tokenizer_name_or_path: 'google/t5-v1_1-small',
      base_model_name_or_path: 'google/t5-v1_1-small',
      num_attention_heads: null,
      num_layers: null,
    });
    expect(parseSafetensors(files.get('adapter_model.safetensors')!).tensors.get('prompt_embeddings')!.dtype).toBe('F16');
    expect(json(exportPeft(artifact({ init: { method: 'class-label' } })).get('adapter_config.json')).prompt_tuning_init).toBe('SAMPLE_VOCAB'); // label embeddings, then sampled vocabulary: PEFT's nearest init
    expect(json(exportPeft(artifact({ init: { method: 'from', from: 'x' } })).get('adapter_config.json')).prompt_tuning_init).toBe('RANDOM');
  });

  it('refuses an invalid artifact', () => {
    expect(errorOf(() => exportPeft(new Uint8Array(3), { source: 'x.safetensors' })).code).toBe('ARTIFACT_INVALID');
  });
});

describe('PEFT import', () => {
  it('round-trips export -> import to the identical artifact, f32 and f16', () => {
    for (const dtype of ['float32', 'float16'] as const) {
      const original = artifact({}, dtype);
      expect(importPeft(exportPeft(original), manifest)).toEqual(original);
    }
  });

  it('takes baseModel, architecture and init from the PEFT config when not given', () => {
    const original = artifact({ architecture: 't5', init: { method: 'text', text: 'hello' } });
    const decoded = decodePromptArtifact(importPeft(exportPeft(original), defaults), 'p');
    expect(decoded.manifest).toMatchObject({ baseModel: 'stories260K', architecture: 't5', init: { method: 'text', text: 'hello' } });
    expect(decoded.embeddings).toEqual(embeddings);
    expect(decoded.manifest.metrics).toEqual({ accuracy: 0.75 });
  });

  it('reads files PEFT itself wrote (newer keys, BF16 weights) into a float32 artifact', () => {
    const bf16 = new Uint8Array(4 * 2 * 2);
    const view = new DataView(bf16.buffer);
    [1, -2, 0.5, 3, 0, -0.25, 8, 1.5].forEach((v, i) => view.setUint16(i * 2, new Uint32Array(Float32Array.of(v).buffer)[0]! >>> 16, true));
    const header = encode({ __metadata__: { format: 'pt' }, prompt_embeddings: { dtype: 'BF16', shape: [2, 4], data_offsets: [0, 16] } });
    const weights = new Uint8Array(8 + header.length + 16);
    new DataView(weights.buffer).setBigUint64(0, BigInt(header.length), true);
    weights.set(header, 8);
    weights.set(bf16, 8 + header.length);
    const config = {
      peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 2, token_dim: 4, num_transformer_submodules: 1,
      base_model_name_or_path: 'meta-llama/Llama-2-7b-hf', peft_version: '0.17.0', modules_to_save: null, prompt_tuning_init: 'RANDOM',
    };
    const files = new Map([['adapter_config.json', encode(config)], ['adapter_model.safetensors', weights]]);
    const decoded = decodePromptArtifact(importPeft(files, defaults), 'p');
    expect(Array.from(decoded.embeddings)).toEqual([1, -2, 0.5, 3, 0, -0.25, 8, 1.5]);
    expect(decoded.manifest).toMatchObject({ dtype: 'float32', baseModel: 'meta-llama/Llama-2-7b-hf', architecture: 'llama', init: { method: 'random' } });
  });

  it('refuses non-prompt-tuning or unsupported adapters with named reasons', () => {
    const good = exportPeft(artifact());
    const config = json(good.get('adapter_config.json'));
    const weights = good.get('adapter_model.safetensors')!;
    const files = (patch: Record<string, unknown>, w: Uint8Array | null = weights) => {
      const map = new Map<string, Uint8Array>([['adapter_config.json', encode({ ...config, ...patch })]]);
      if (w) map.set('adapter_model.safetensors', w);
      return map;
    };
    const f32 = (shape: number[], data: Float32Array, name = 'prompt_embeddings') => serializeSafetensors([[name, { dtype: 'F32', shape, data }]]);
    const cases: Array<[Map<string, Uint8Array>, string, RegExp, Partial<PeftImportDefaults>?]> = [
      [new Map([['adapter_model.safetensors', weights]]), 'ARTIFACT_INVALID', /no adapter_config.json \(files: adapter_model.safetensors\)/],
      [new Map([['adapter_config.json', encode('x').subarray(1)]]), 'ARTIFACT_INVALID', /adapter_config.json is not valid JSON/],
      [files({ peft_type: 'LORA' }), 'ARTIFACT_INVALID', /peft_type "LORA", not "PROMPT_TUNING"/],
      [files({ task_type: 'SEQ_CLS' }), 'ARTIFACT_INVALID', /task_type "SEQ_CLS" is neither CAUSAL_LM nor SEQ_2_SEQ_LM; pass architecture/],
      [files({ task_type: 'SEQ_2_SEQ_LM' }), 'ARTIFACT_ARCHITECTURE_MISMATCH', /task_type SEQ_2_SEQ_LM means a t5 model, but architecture "llama" was given/, { architecture: 'llama' }],
      [files({ num_transformer_submodules: 2 }), 'ARTIFACT_INVALID', /num_transformer_submodules is 2; only 1/],
      [files({ task_type: 'SEQ_2_SEQ_LM', num_transformer_submodules: null }), 'ARTIFACT_INVALID', /num_transformer_submodules is 2/],
      [files({ num_virtual_tokens: 0 }), 'ARTIFACT_INVALID', /num_virtual_tokens must be a positive integer, got 0/],
      [new Map([...files({}, null), ['adapter_model.bin', new Uint8Array(1)]]), 'ARTIFACT_INVALID', /no adapter_model.safetensors; adapter_model.bin \(pickle\) is not read/],
      [files({}, weights.subarray(0, 30)), 'ARTIFACT_INVALID', /adapter_model.safetensors: header length/],
      [files({}, f32([5, 8], embeddings, 'embedding.weight')), 'ARTIFACT_INVALID', /must hold only "prompt_embeddings", found \["embedding.weight"\]/],
      [files({ num_virtual_tokens: 4 }), 'ARTIFACT_INVALID', /has shape \[5, 8\]; the config says \[4, 8\]/],
      [files({ token_dim: 16 }), 'ARTIFACT_INVALID', /has shape \[5, 8\]; the config says \[5, 16\]/],
      [files({}, f32([5, 8], embeddings.map((v, i) => (i === 9 ? Infinity : v)))), 'ARTIFACT_INVALID', /prompt\[1\]\[1\] \(element 9\) is Infinity/],
      [files({ num_virtual_tokens: 200, token_dim: 1 }, f32([200, 1], new Float32Array(200))), 'ARTIFACT_INVALID', /200 rows; a prompt length must be 1..150/],
      [files({ base_model_name_or_path: null }), 'ARTIFACT_INVALID', /base_model_name_or_path is missing; pass baseModel/],
    ];
    for (const [input, code, reason, extra] of cases) {
      const error = errorOf(() => importPeft(input, { ...defaults, ...extra }, { source: 'adapter/' }));
      expect(error.code, reason.source).toBe(code);
      expect(error.message).toMatch(/^adapter\//);
      expect(error.message).toMatch(reason);
    }
    const tooLarge = errorOf(() => importPeft(files({}), defaults, { maxBytes: 64 }));
    expect(tooLarge.code).toBe('ARTIFACT_TOO_LARGE');
  });
});

describe('PEFT sidecar', () => {
  it('carries the manifest (task included) and a model card naming the base model; import reads it back', () => {
    const bytes = artifact({ init: { method: 'class-label', seed: 3 } });
    const files = exportPeft(bytes, { baseModelNameOrPath: 'karpathy/tinyllamas' });
    expect(json(files.get('adapter_config.json'))).toMatchObject({ base_model_name_or_path: 'karpathy/tinyllamas', prompt_tuning_init: 'SAMPLE_VOCAB' });
    const sidecar = readPeftSidecar(files, 'peft');
    expect(sidecar).toEqual(decodePromptArtifact(bytes, 'a').manifest);
    const card = new TextDecoder().decode(files.get('README.md'));
    expect(card.startsWith('---\nbase_model: karpathy/tinyllamas\nlibrary_name: peft\n')).toBe(true);
    expect(card).toContain('- init: class-label: embeddings of the task\'s label texts');
    expect(card).toContain('- label `1` -> " good"');
    const { task, taskId, taskName, fingerprint, createdAt, init } = sidecar!;
    const back = importPeft(files, { task, taskId, taskName, fingerprint, createdAt, init }, { source: 'peft' });
    expect(decodePromptArtifact(back, 'b').manifest).toMatchObject({ task: manifest.task, init: { method: 'class-label', seed: 3 }, baseModel: 'karpathy/tinyllamas' });
  });

  it('refuses a sidecar whose task breaks the schema, naming the key', () => {
    const files = new Map(exportPeft(artifact()));
    const broken = { ...json(files.get('ptune_task.json')), task: { ...manifest.task, verbaliser: {} } };
    files.set('ptune_task.json', encode(broken));
    expect(errorOf(() => readPeftSidecar(files, 'peft')).message).toMatch(/peft\/ptune_task.json: manifest task: .*\n  - task.verbaliser: .*did you mean "verbalizer"/s);
  });
});

