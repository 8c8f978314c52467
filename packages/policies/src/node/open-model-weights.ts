import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PrefplayError } from '@prefplay/core';
import { missingTensor, type WeightInfo, type WeightSource } from '../hugging-face/weight-source.js';
import { openSafetensorsFile } from './open-safetensors-file.js';

/** File names of a Hugging Face model's weights. */
export const weightsFileName = 'model.safetensors';
export const weightsIndexFileName = 'model.safetensors.index.json';

function invalidIndex(file: string, problem: string, field?: string): never {
  throw new PrefplayError({
    code: 'invalid-checkpoint',
    problem,
    where: field !== undefined ? { file, field } : { file },
    hint: 'The index must be {"metadata": {...}, "weight_map": {tensor: shard file}} with every shard beside it',
  });
}

/**
 * The weights of a Hugging Face model folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json` (`weight_map`: tensor name → shard file). Only headers are read
 * here; tensors are read one at a time on demand. Every tensor the index names must be in its shard.
 */
export async function openModelWeights(folder: string): Promise<WeightSource> {
  const single = join(folder, weightsFileName);
  const indexPath = join(folder, weightsIndexFileName);
  if (existsSync(single)) return openSafetensorsFile(single);
  if (!existsSync(indexPath)) {
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: `the model folder has neither ${weightsFileName} nor ${weightsIndexFileName}`,
      where: { file: folder },
      hint: 'Download the safetensors weights of the model (PyTorch .bin files are not read); convert with save_pretrained(..., safe_serialization=True)',
    });
  }
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (error) {
    invalidIndex(indexPath, `the index is not valid JSON (${(error as Error).message})`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== 'object' || Array.isArray(weightMap)) {
    invalidIndex(indexPath, 'the index has no weight_map object', 'weight_map');
  }
  const shardNames = new Set<string>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard !== basename(shard) || !shard.endsWith('.safetensors')) {
      invalidIndex(
        indexPath,
        `weight_map["${name}"] is ${JSON.stringify(shard)}, not a .safetensors file name in the folder`,
        `weight_map.${name}`,
      );
    }
    shardNames.add(shard);
  }
  const shards = new Map<string, WeightSource>();
  try {
    for (const shard of shardNames) shards.set(shard, await openSafetensorsFile(join(folder, shard)));
  } catch (error) {
    await Promise.all([...shards.values()].map((s) => s.close()));
    throw error;
  }
  const tensors = new Map<string, WeightInfo>();
  const owner = new Map<string, WeightSource>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, string>)) {
    const source = shards.get(shard) as WeightSource;
    const info = source.tensors.get(name);
    if (!info) {
      await Promise.all([...shards.values()].map((s) => s.close()));
      missingTensor(name, join(folder, shard));
    }
    tensors.set(name, info);
    owner.set(name, source);
  }
  return {
    tensors,
    read(name) {
      const source = owner.get(name);
      if (!source) missingTensor(name, indexPath);
      return source.read(name);
    },
    async close() {
      await Promise.all([...shards.values()].map((s) => s.close()));
    },
  };
}
