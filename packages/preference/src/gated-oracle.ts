import type { PreferenceMatrix, PreferenceOracleV1, SemanticEncoderV1 } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';
import { type Calibration, calibrateWithEncoder } from './calibrate.js';
import { assertConstantSum } from './constant-sum.js';
import type { Gate } from './gate.js';

export type GatedOracle = PreferenceOracleV1 & {
  /** Similarities and gate values of the most recent comparison (for reporting distributions). */
  lastCalibration?: { similarity: number[][]; gateValues: number[][] };
};

/**
 * Decorates an oracle with semantic gating: each matrix it returns is calibrated toward 1/2 as the
 * responses' semantic overlap (from `encoder`) grows, `M̃ = 1/2 + g(s)(M − 1/2)`; the result stays
 * constant-sum. `onCalibration` sees every calibration (safe under concurrent calls, unlike
 * `lastCalibration`).
 */
export function gatedOracle(options: {
  readonly oracle: PreferenceOracleV1;
  readonly encoder: SemanticEncoderV1;
  readonly gate: Gate;
  readonly onCalibration?: (calibration: Calibration) => void;
}): GatedOracle {
  const { oracle, encoder, gate, onCalibration } = options;
  if (!oracle || typeof oracle.doCompare !== 'function' || !encoder || typeof encoder.doEncode !== 'function') {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: 'gatedOracle needs { oracle: PreferenceOracleV1, encoder: SemanticEncoderV1, gate: Gate }',
    });
  }
  const gated: GatedOracle = {
    specificationVersion: 'v1',
    oracleId: `gated(${oracle.oracleId},${encoder.encoderId},${gate.gateId})`,
    async doCompare(compare): Promise<PreferenceMatrix> {
      const matrix = await oracle.doCompare(compare);
      assertConstantSum(matrix, `oracle "${oracle.oracleId}" matrix`, 1e-6);
      const calibration = await calibrateWithEncoder({
        matrix,
        responses: compare.responses,
        encoder,
        gate,
        prompt: compare.prompt,
        ...(compare.signal !== undefined ? { signal: compare.signal } : {}),
      });
      gated.lastCalibration = { similarity: calibration.similarity, gateValues: calibration.gateValues };
      onCalibration?.(calibration);
      return calibration.matrix;
    },
  };
  return gated;
}
