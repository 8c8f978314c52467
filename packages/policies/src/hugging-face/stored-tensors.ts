import * as tf from '@tensorflow/tfjs-core';
import type { HuggingFacePolicy } from './hugging-face-policy.js';
import { transposeMatrix } from './transpose-matrix.js';

/** A tensor to write under its Hugging Face name, produced on demand (one at a time). */
export type StoredTensor = {
  readonly name: string;
  /** Shape in the file. */
  readonly shape: readonly number[];
  /** The values in the file's layout, computed when called. */
  values(): Float32Array;
};

function fromInternal(values: Float32Array, internalShape: readonly number[], transposed: boolean): Float32Array {
  return transposed ? transposeMatrix(values, internalShape[0] as number, internalShape[1] as number) : values;
}

/**
 * The weights of a policy as Hugging Face stores them (`save_pretrained` names and shapes; a tied
 * head is not written twice). With `merge`, each adapted layer's weight is `W + (alpha/r)·A·B`, so
 * the folder loads without PEFT.
 */
export function storedModelTensors(
  policy: HuggingFacePolicy,
  options: { readonly merge?: boolean } = {},
): StoredTensor[] {
  const byWeight = new Map([...policy.adapters.values()].map((a) => [a.module.weight, a]));
  const scaling = policy.lora ? policy.lora.alpha / policy.lora.r : 0;
  return policy.layout.weights.map((spec) => ({
    name: spec.name,
    shape: spec.storedShape,
    values: () => {
      const variable = policy.weights.get(spec.name) as tf.Variable;
      const adapter = options.merge ? byWeight.get(spec.name) : undefined;
      const internal = adapter
        ? tf.tidy(() => tf.add(variable, tf.mul(tf.matMul(adapter.a, adapter.b), scaling)).dataSync() as Float32Array)
        : (variable.dataSync() as Float32Array);
      return fromInternal(Float32Array.from(internal), spec.shape, spec.transposed);
    },
  }));
}

/** PEFT's key of an adapter matrix: `base_model.model.<module>.lora_A.weight`. */
export function peftKey(module: string, matrix: 'A' | 'B'): string {
  return `base_model.model.${module}.lora_${matrix}.weight`;
}

/** A LoRA policy's adapters as PEFT stores them: `lora_A` `[r, in]`, `lora_B` `[out, r]`. */
export function storedAdapterTensors(policy: HuggingFacePolicy): StoredTensor[] {
  return [...policy.adapters.values()].flatMap((adapter) =>
    (
      [
        ['A', adapter.a],
        ['B', adapter.b],
      ] as const
    ).map(([matrix, variable]) => ({
      name: peftKey(adapter.module.module, matrix),
      shape: [variable.shape[1] as number, variable.shape[0] as number],
      values: () => fromInternal(Float32Array.from(variable.dataSync() as Float32Array), variable.shape, true),
    })),
  );
}

/** `adapter_config.json` of a LoRA policy, in PEFT's format. */
export function peftAdapterConfig(policy: HuggingFacePolicy, baseModel: string): Record<string, unknown> {
  const lora = policy.lora;
  if (!lora) throw new Error('peftAdapterConfig: the policy has no LoRA adapters');
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: policy.architecture.family === 'gpt2',
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    modules_to_save: null,
    peft_type: 'LORA',
    r: lora.r,
    rank_pattern: {},
    revision: null,
    target_modules: lora.targetModules,
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
  };
}
