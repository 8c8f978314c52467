import type { LossBatchField, LossBatchV1 } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Returns a required batch field, or throws a `PrefplayError` naming the loss and the field.
 * Checks the rank: pairwise and per-response fields are 1-D, hidden states 2-D.
 */
export function readBatchField<Field extends LossBatchField>(
  batch: LossBatchV1,
  field: Field,
  lossId: string,
): NonNullable<LossBatchV1[Field]> {
  const value = batch[field];
  if (value === undefined) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${lossId} loss: batch field "${field}" is missing`,
      where: { field },
      hint: `Compute every field listed in the loss's requires before calling doCompute`,
    });
  }
  const rank = field === 'chosenHidden' || field === 'rejectedHidden' ? 2 : 1;
  if (value.rank !== rank) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${lossId} loss: batch field "${field}" must have rank ${rank}, got shape [${value.shape.join(', ')}]`,
      where: { field },
      hint: rank === 1 ? 'Pass one value per pair or per response' : 'Pass a [pairs, hidden] tensor',
    });
  }
  return value as NonNullable<LossBatchV1[Field]>;
}

/**
 * Throws unless the named tensors agree in their leading dimension (and, with `sameShape`, in
 * their whole shape). The error names the loss and the first field that disagrees.
 */
export function assertSameLength(
  lossId: string,
  fields: Readonly<Partial<Record<LossBatchField, tf.Tensor>>>,
  options: { sameShape?: boolean } = {},
): number {
  const entries = Object.entries(fields) as [LossBatchField, tf.Tensor][];
  const first = entries[0];
  if (first === undefined) return 0;
  const [firstName, firstTensor] = first;
  for (const [name, tensor] of entries.slice(1)) {
    const differs = options.sameShape
      ? tensor.shape.length !== firstTensor.shape.length || tensor.shape.some((d, i) => d !== firstTensor.shape[i])
      : tensor.shape[0] !== firstTensor.shape[0];
    if (differs) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `${lossId} loss: batch field "${name}" has shape [${tensor.shape.join(', ')}] but "${firstName}" has shape [${firstTensor.shape.join(', ')}]`,
        where: { field: name },
        hint: options.sameShape ? 'Both fields must have the same shape' : 'All these fields need one entry per pair',
      });
    }
  }
  if (firstTensor.shape[0] === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${lossId} loss: batch field "${firstName}" is empty`,
      where: { field: firstName },
      hint: 'Pass at least one pair or response',
    });
  }
  return firstTensor.shape[0] ?? 0;
}

/**
 * Reads `responsesPerPrompt` and checks it divides the length of the per-response fields.
 * Returns undefined when the batch has no `responsesPerPrompt` and `required` is false.
 */
export function readResponsesPerPrompt(
  batch: LossBatchV1,
  length: number,
  lossId: string,
  required: boolean,
): number | undefined {
  const k = batch.responsesPerPrompt;
  if (k === undefined) {
    if (!required) return undefined;
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${lossId} loss: batch field "responsesPerPrompt" is missing`,
      where: { field: 'responsesPerPrompt' },
      hint: 'Set responsesPerPrompt to K, the number of responses of each prompt (prompt-major order)',
    });
  }
  if (!Number.isInteger(k) || k < 1 || length % k !== 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${lossId} loss: responsesPerPrompt ${k} must be a positive integer dividing the ${length} per-response entries`,
      where: { field: 'responsesPerPrompt' },
      hint: 'Lay the per-response fields out prompt-major with exactly K responses per prompt',
    });
  }
  return k;
}

/** The four pairwise log-prob fields, checked for presence and equal length. */
export type PairLogps = {
  readonly policyChosenLogps: tf.Tensor1D;
  readonly policyRejectedLogps: tf.Tensor1D;
  readonly referenceChosenLogps: tf.Tensor1D;
  readonly referenceRejectedLogps: tf.Tensor1D;
};

export const pairLogpsFields = [
  'policyChosenLogps',
  'policyRejectedLogps',
  'referenceChosenLogps',
  'referenceRejectedLogps',
] as const satisfies readonly LossBatchField[];

/** Reads the pairwise log-prob fields of a batch; throws a located error naming the loss. */
export function readPairLogps(batch: LossBatchV1, lossId: string): PairLogps {
  const fields: PairLogps = {
    policyChosenLogps: readBatchField(batch, 'policyChosenLogps', lossId),
    policyRejectedLogps: readBatchField(batch, 'policyRejectedLogps', lossId),
    referenceChosenLogps: readBatchField(batch, 'referenceChosenLogps', lossId),
    referenceRejectedLogps: readBatchField(batch, 'referenceRejectedLogps', lossId),
  };
  assertSameLength(lossId, fields);
  return fields;
}
