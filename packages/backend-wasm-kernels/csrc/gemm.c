// Strided single-precision matrix product C = α·op(A)·op(B) (+ C) (+ bias), any transposition and
// batch, by packing A into MR-row slivers and B into NR-column panels and a 6×8 register tile.
#include "kernels.h"

// packed[k·MR + r] = a[r·rs + k·cs] for r < mr, zero for mr ≤ r < MR.
void pack_a(int mr, int kc, const float *a, int rs, int cs, float *packed) {
  if (mr == MR && cs == 1) {
    const float *r0 = a, *r1 = a + rs, *r2 = a + 2 * rs, *r3 = a + 3 * rs;
    for (int k = 0; k < kc; k++) {
      packed[0] = r0[k];
      packed[1] = r1[k];
      packed[2] = r2[k];
      packed[3] = r3[k];
      packed += MR;
    }
    return;
  }
  if (mr == MR && rs == 1) {
    for (int k = 0; k < kc; k++) {
      const float *src = a + k * cs;
      wasm_v128_store(packed, wasm_v128_load(src));
      packed += MR;
    }
    return;
  }
  for (int k = 0; k < kc; k++) {
    for (int r = 0; r < MR; r++) packed[r] = r < mr ? a[r * rs + k * cs] : 0.0f;
    packed += MR;
  }
}

// Panels of NR columns: packed[p·kc·NR + k·NR + j] = b[k·rs + (p·NR + j)·cs], zero past column n.
void pack_b(int kc, int n, const float *b, int rs, int cs, float *packed) {
  for (int j0 = 0; j0 < n; j0 += NR) {
    int nr = min_int(NR, n - j0);
    const float *src = b + j0 * cs;
    if (nr == NR && cs == 1) {
      for (int k = 0; k < kc; k++) {
        wasm_v128_store(packed, wasm_v128_load(src + k * rs));
        wasm_v128_store(packed + 4, wasm_v128_load(src + k * rs + 4));
        packed += NR;
      }
    } else if (nr == NR && rs == 1) {
      // Columns are contiguous along k: read four k at a time from each of the 8 columns.
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        v128_t c0 = wasm_v128_load(src + k), c1 = wasm_v128_load(src + cs + k);
        v128_t c2 = wasm_v128_load(src + 2 * cs + k), c3 = wasm_v128_load(src + 3 * cs + k);
        v128_t c4 = wasm_v128_load(src + 4 * cs + k), c5 = wasm_v128_load(src + 5 * cs + k);
        v128_t c6 = wasm_v128_load(src + 6 * cs + k), c7 = wasm_v128_load(src + 7 * cs + k);
        // 4×4 transposes of (c0..c3) and (c4..c7)
        v128_t t0 = wasm_i32x4_shuffle(c0, c1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(c2, c3, 0, 4, 1, 5);
        v128_t t2 = wasm_i32x4_shuffle(c0, c1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(c2, c3, 2, 6, 3, 7);
        v128_t u0 = wasm_i32x4_shuffle(c4, c5, 0, 4, 1, 5), u1 = wasm_i32x4_shuffle(c6, c7, 0, 4, 1, 5);
        v128_t u2 = wasm_i32x4_shuffle(c4, c5, 2, 6, 3, 7), u3 = wasm_i32x4_shuffle(c6, c7, 2, 6, 3, 7);
        wasm_v128_store(packed, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
        wasm_v128_store(packed + 4, wasm_i32x4_shuffle(u0, u1, 0, 1, 4, 5));
        wasm_v128_store(packed + 8, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
        wasm_v128_store(packed + 12, wasm_i32x4_shuffle(u0, u1, 2, 3, 6, 7));
        wasm_v128_store(packed + 16, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
        wasm_v128_store(packed + 20, wasm_i32x4_shuffle(u2, u3, 0, 1, 4, 5));
        wasm_v128_store(packed + 24, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
        wasm_v128_store(packed + 28, wasm_i32x4_shuffle(u2, u3, 2, 3, 6, 7));
        packed += 4 * NR;
      }
      for (; k < kc; k++) {
        for (int j = 0; j < NR; j++) packed[j] = src[k + j * cs];
        packed += NR;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int j = 0; j < NR; j++) packed[j] = j < nr ? src[k * rs + j * cs] : 0.0f;
        packed += NR;
      }
    }
  }
}

// c[mr×nr] (row stride rs_c) = (accumulate ? c : 0) + α·(packed_a · B) + bias[j], where row k of the
// 8-column B panel is at b + k·ld_b (NR when packed; the matrix row stride when read in place).
// Kept out of line: V8 keeps the 8 accumulators, 2 B vectors and the A splats in registers only
// when the loop is a function of its own (inlined into the driver it spills).
__attribute__((noinline)) void micro_tile_strided(int kc, const float *packed_a, const float *packed_b, int ld_b,
                                                  float *c, int rs_c, int mr, int nr, int accumulate, float alpha,
                                                  const float *bias) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const float *a = packed_a;
  const float *b = packed_b;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(b);
    v128_t b1 = wasm_v128_load(b + 4);
    v128_t a0 = wasm_v128_load32_splat(a);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    v128_t a1 = wasm_v128_load32_splat(a + 1);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    v128_t a2 = wasm_v128_load32_splat(a + 2);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    v128_t a3 = wasm_v128_load32_splat(a + 3);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    a += MR;
    b += ld_b;
  }
  v128_t va = wasm_f32x4_splat(alpha);
  if (mr == MR && nr == NR) {
    v128_t bias0 = bias ? wasm_v128_load(bias) : wasm_f32x4_splat(0);
    v128_t bias1 = bias ? wasm_v128_load(bias + 4) : wasm_f32x4_splat(0);
#define STORE_ROW(r, x0, x1)                                                                           \
  {                                                                                                    \
    float *row = c + (r) * rs_c;                                                                       \
    v128_t v0 = wasm_f32x4_add(wasm_f32x4_mul(x0, va), bias0);                                         \
    v128_t v1 = wasm_f32x4_add(wasm_f32x4_mul(x1, va), bias1);                                         \
    if (accumulate) {                                                                                  \
      v0 = wasm_f32x4_add(v0, wasm_v128_load(row));                                                    \
      v1 = wasm_f32x4_add(v1, wasm_v128_load(row + 4));                                                \
    }                                                                                                  \
    wasm_v128_store(row, v0);                                                                          \
    wasm_v128_store(row + 4, v1);                                                                      \
  }
    STORE_ROW(0, c00, c01)
    STORE_ROW(1, c10, c11)
    STORE_ROW(2, c20, c21)
    STORE_ROW(3, c30, c31)
#undef STORE_ROW
    return;
  }
  float tile[MR * NR];
  wasm_v128_store(tile, c00);
  wasm_v128_store(tile + 4, c01);
  wasm_v128_store(tile + 8, c10);
  wasm_v128_store(tile + 12, c11);
  wasm_v128_store(tile + 16, c20);
  wasm_v128_store(tile + 20, c21);
  wasm_v128_store(tile + 24, c30);
  wasm_v128_store(tile + 28, c31);
  for (int r = 0; r < mr; r++) {
    float *row = c + r * rs_c;
    for (int j = 0; j < nr; j++) {
      float v = tile[r * NR + j] * alpha + (bias ? bias[j] : 0.0f);
      row[j] = accumulate ? row[j] + v : v;
    }
  }
}

void micro_tile(int kc, const float *packed_a, const float *packed_b, float *c, int rs_c, int mr, int nr,
                int accumulate, float alpha, const float *bias) {
  micro_tile_strided(kc, packed_a, packed_b, NR, c, rs_c, mr, nr, accumulate, alpha, bias);
}

// Below this many rows of C, B is read in place instead of packed (packing would cost as much as the
// product: a decoding step multiplies a few rows by whole weight matrices).
#define DIRECT_B_ROWS 16

// Floats of scratch `sgemm` needs: one packed block of B and one sliver of A.
int EXPORT(sgemm_scratch_floats)(void) { return KC * NC + MR * KC; }

// C[b] = α·op(A[b])·op(B[b]) (+ C[b] when accumulate) (+ bias) for b < batch, where element (i, k) of
// op(A) is a[i·rs_a + k·cs_a] and element (k, j) of op(B) is b[k·rs_b + j·cs_b]: a transposition is a
// swap of the two strides. C is row-major with row stride rs_c. `bias` (may be 0) has n entries.
void EXPORT(sgemm)(int m, int n, int k, const float *a, int rs_a, int cs_a, const float *b, int rs_b, int cs_b,
                   float *c, int rs_c, float alpha, int accumulate, const float *bias, int batch, int batch_a,
                   int batch_b, int batch_c, float *scratch) {
  float *packed_b = scratch;
  float *packed_a = scratch + KC * NC;
  for (int g = 0; g < batch; g++) {
    const float *ag = a + g * batch_a;
    const float *bg = b + g * batch_b;
    float *cg = c + g * batch_c;
    if (k == 0) {
      if (!accumulate)
        for (int i = 0; i < m; i++)
          for (int j = 0; j < n; j++) cg[i * rs_c + j] = bias ? bias[j] : 0.0f;
      continue;
    }
    int direct = m <= DIRECT_B_ROWS && cs_b == 1;
    for (int j1 = 0; j1 < n; j1 += NC) {
      int nc = min_int(NC, n - j1);
      for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = min_int(KC, k - k0);
        const float *b_block = bg + k0 * rs_b + j1 * cs_b;
        int full = direct ? nc / NR * NR : 0;  // columns read in place
        if (full < nc) pack_b(kc, nc - full, b_block + full * cs_b, rs_b, cs_b, packed_b + full * kc);
        int acc = accumulate || k0 > 0;
        const float *bias_block = k0 == 0 && bias ? bias + j1 : 0;
        for (int i0 = 0; i0 < m; i0 += MR) {
          int mr = min_int(MR, m - i0);
          pack_a(mr, kc, ag + i0 * rs_a + k0 * cs_a, rs_a, cs_a, packed_a);
          for (int j0 = 0; j0 < nc; j0 += NR) {
            const float *panel = j0 < full ? b_block + j0 : packed_b + j0 * kc;
            micro_tile_strided(kc, packed_a, panel, j0 < full ? rs_b : NR, cg + i0 * rs_c + j1 + j0, rs_c, mr,
                               min_int(NR, nc - j0), acc, alpha, bias_block ? bias_block + j0 : 0);
          }
        }
      }
    }
  }
}

// out[j] (+)= Σ_i x[i·rs + j] for j < n: the bias gradient of a dense layer.
void EXPORT(column_sum)(int m, int n, const float *x, int rs, float *out, int accumulate) {
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (int i = 0; i < m; i++) {
      const float *row = x + i * rs + j;
      s0 = wasm_f32x4_add(s0, wasm_v128_load(row));
      s1 = wasm_f32x4_add(s1, wasm_v128_load(row + 4));
      s2 = wasm_f32x4_add(s2, wasm_v128_load(row + 8));
      s3 = wasm_f32x4_add(s3, wasm_v128_load(row + 12));
    }
    if (accumulate) {
      s0 = wasm_f32x4_add(s0, wasm_v128_load(out + j));
      s1 = wasm_f32x4_add(s1, wasm_v128_load(out + j + 4));
      s2 = wasm_f32x4_add(s2, wasm_v128_load(out + j + 8));
      s3 = wasm_f32x4_add(s3, wasm_v128_load(out + j + 12));
    }
    wasm_v128_store(out + j, s0);
    wasm_v128_store(out + j + 4, s1);
    wasm_v128_store(out + j + 8, s2);
    wasm_v128_store(out + j + 12, s3);
  }
  for (; j < n; j++) {
    float s = 0;
    for (int i = 0; i < m; i++) s += x[i * rs + j];
    out[j] = accumulate ? out[j] + s : s;
  }
}
