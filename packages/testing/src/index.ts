export { useTestBackend } from './backend.js';
export { checkGradient, type GradientCheckOptions, type GradientCheckResult } from './finite-difference.js';
export { assertNoLeaks, collectTensors, countLeakedTensors } from './leak-check.js';
export { type MockDecoderOptions, type MockDecoderStats, mockDecoder } from './mock-decoder.js';
export { mockEncoder } from './mock-encoder.js';
export { matrixOracle, mockOracle } from './mock-oracle.js';
export { type MockPolicyOptions, mockPolicy } from './mock-policy.js';
export { mockSampler } from './mock-sampler.js';
export { assertClose, type CloseOptions } from './tensor-assertions.js';
