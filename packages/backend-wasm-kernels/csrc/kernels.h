// Shared declarations of the prefplay wasm kernels.
//
// The module imports TensorFlow.js wasm backend's memory: every pointer is a byte offset into that
// memory (a tensor's `memoryOffset`), so kernels read and write tensors in place. The module has no
// data segment and no heap of its own; any scratch memory is passed in by the caller, and the shadow
// stack (`__stack_pointer`, exported) is pointed by the loader at a block it allocated from tfjs's heap.
#ifndef PREFPLAY_KERNELS_H
#define PREFPLAY_KERNELS_H

#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) name

// Register tile of the matrix-product micro-kernel (rows × columns; 4×8 keeps V8 from spilling accumulators) and the depth of one packed block.
#define MR 4
#define NR 8
#ifndef KC
#define KC 256
#endif
#ifndef NC
#define NC 256
#endif

typedef float f32x4 __attribute__((vector_size(16)));

// a·b + c; with relaxed SIMD a fused multiply-add where the hardware has one.
static inline v128_t madd(v128_t a, v128_t b, v128_t c) {
#ifdef PREFPLAY_RELAXED_SIMD
  return (v128_t)__builtin_wasm_relaxed_madd_f32x4((f32x4)a, (f32x4)b, (f32x4)c);
#else
  return wasm_f32x4_add(wasm_f32x4_mul(a, b), c);
#endif
}

static inline int min_int(int a, int b) { return a < b ? a : b; }
static inline int max_int(int a, int b) { return a > b ? a : b; }
static inline int round_up(int x, int to) { return (x + to - 1) / to * to; }

// e^x for four lanes (Cephes expf: range reduction by ln 2, degree-6 polynomial; relative error
// about 2e-7 over the float range; inputs below −87.3 give 0's neighbourhood, above 88.7 are clamped).
static inline v128_t exp4(v128_t x) {
  const v128_t hi = wasm_f32x4_splat(88.3762626647949f);
  const v128_t lo = wasm_f32x4_splat(-87.3365478515625f);
  // pmin/pmax (one instruction each) clamp like min/max here: a NaN stays NaN, only its payload may differ
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = madd(p, r, wasm_f32x4_splat(1.3981999507e-3f));
  p = madd(p, r, wasm_f32x4_splat(8.3334519073e-3f));
  p = madd(p, r, wasm_f32x4_splat(4.1665795894e-2f));
  p = madd(p, r, wasm_f32x4_splat(1.6666665459e-1f));
  p = madd(p, r, wasm_f32x4_splat(5.0000001201e-1f));
  p = madd(p, wasm_f32x4_mul(r, r), wasm_f32x4_add(r, wasm_f32x4_splat(1.0f)));
  // 2ⁿ: n + 127 is an integer in [1, 255], so the low bits of n + (1.5·2²³ + 127) hold it exactly;
  // shifting them into the exponent field saves a saturating float-to-int conversion
  v128_t scale = wasm_i32x4_shl(wasm_f32x4_add(n, wasm_f32x4_splat(12583039.0f)), 23);
  return wasm_f32x4_mul(p, scale);
}

static inline float exp1(float x) { return wasm_f32x4_extract_lane(exp4(wasm_f32x4_splat(x)), 0); }

// Natural logarithm of a positive finite double (frexp and the atanh series; error below 1e-15).
static inline double log_positive(double x) {
  union { double d; unsigned long long u; } bits = {x};
  int e = (int)((bits.u >> 52) & 0x7ff) - 1023;
  bits.u = (bits.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;  // mantissa in [1, 2)
  double f = bits.d;
  if (f > 1.4142135623730951) {
    f *= 0.5;
    e += 1;
  }
  double s = (f - 1) / (f + 1);
  double s2 = s * s;
  double series = s * (2 + s2 * (2.0 / 3 + s2 * (2.0 / 5 + s2 * (2.0 / 7 + s2 * (2.0 / 9 + s2 * (2.0 / 11 + s2 * (2.0 / 13 + s2 * (2.0 / 15))))))));
  return series + e * 0.6931471805599453;
}

static inline float hsum4(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

static inline float hmax4(v128_t v) {
  v128_t m = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  m = wasm_f32x4_max(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(m, 0);
}

// Packing and the register-tile kernel (gemm.c), shared with attention.c.
void pack_a(int mr, int kc, const float *a, int rs, int cs, float *packed);
void pack_b(int kc, int n, const float *b, int rs, int cs, float *packed);
void micro_tile(int kc, const float *packed_a, const float *packed_b, float *c, int rs_c, int mr, int nr,
                int accumulate, float alpha, const float *bias);

#endif
