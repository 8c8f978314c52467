// Causal multi-head attention straight from the fused projection layout, forward and backward.
//
// Per head h, queries, keys and values are column blocks [h·hs, (h+1)·hs) of row-major matrices with
// their own row and batch strides, so the `qkv` projection [batch·T, 3d] (or a key/value cache) is read
// in place and the output is written merged, [batch·T, d]. Query i (of tq, at absolute position
// past + i) sees keys j with key_start[b] ≤ j ≤ past + i. Scores are computed a 4×8 tile at a time and
// tiles entirely above the diagonal are skipped.
#include "kernels.h"

typedef struct {
  const float *q, *k, *v;
  float *o;
  int q_rs, k_rs, v_rs, o_rs;
} head_view;

// max over x[0..n)
static float row_max(const float *x, int n) {
  float m = -3.402823466e38f;
  int j = 0;
  if (n >= 4) {
    v128_t vm = wasm_v128_load(x);
    for (j = 4; j + 4 <= n; j += 4) vm = wasm_f32x4_max(vm, wasm_v128_load(x + j));
    m = hmax4(vm);
  }
  for (; j < n; j++) m = x[j] > m ? x[j] : m;
  return m;
}

// x[j] ← e^(x[j]·scale − shift) for j < n; returns Σ x[j].
static float exp_in_place(float *x, int n, float scale, float shift) {
  v128_t vs = wasm_f32x4_splat(scale), vsh = wasm_f32x4_splat(shift), sum = wasm_f32x4_splat(0);
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    v128_t e = exp4(wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(x + j), vs), vsh));
    wasm_v128_store(x + j, e);
    sum = wasm_f32x4_add(sum, e);
  }
  float s = hsum4(sum);
  for (; j < n; j++) {
    x[j] = exp1(x[j] * scale - shift);
    s += x[j];
  }
  return s;
}

static void scale_in_place(float *x, int n, float factor) {
  v128_t f = wasm_f32x4_splat(factor);
  int j = 0;
  for (; j + 4 <= n; j += 4) wasm_v128_store(x + j, wasm_f32x4_mul(wasm_v128_load(x + j), f));
  for (; j < n; j++) x[j] *= factor;
}

static void zero(float *x, int n) {
  for (int j = 0; j < n; j++) x[j] = 0.0f;
}

static float dot(const float *a, const float *b, int n) {
  v128_t s0 = wasm_f32x4_splat(0), s1 = s0;
  int d = 0;
  for (; d + 8 <= n; d += 8) {
    s0 = madd(wasm_v128_load(a + d), wasm_v128_load(b + d), s0);
    s1 = madd(wasm_v128_load(a + d + 4), wasm_v128_load(b + d + 4), s1);
  }
  for (; d + 4 <= n; d += 4) s0 = madd(wasm_v128_load(a + d), wasm_v128_load(b + d), s0);
  float s = hsum4(wasm_f32x4_add(s0, s1));
  for (; d < n; d++) s += a[d] * b[d];
  return s;
}

// out[d] (+)= w·x[d]
static void axpy(float *out, const float *x, float w, int n) {
  v128_t vw = wasm_f32x4_splat(w);
  int d = 0;
  for (; d + 4 <= n; d += 4) wasm_v128_store(out + d, madd(vw, wasm_v128_load(x + d), wasm_v128_load(out + d)));
  for (; d < n; d++) out[d] += w * x[d];
}

int EXPORT(attention_forward_scratch_floats)(int tq, int tk, int hs) {
  int tkp = round_up(tk, NR), hsp = round_up(hs, NR);
  return hs * tkp + tk * hsp + MR * max_int(tk, hs) + MR * tkp;
}

// Few queries (decoding): one query row at a time, no packing.
static void forward_rows(head_view h, int tq, int hs, int past, int key_start, float scale, float *lse,
                         float *scores) {
  for (int i = 0; i < tq; i++) {
    const float *q = h.q + i * h.q_rs;
    float *o = h.o + i * h.o_rs;
    int last = past + i;
    zero(o, hs);
    if (last < key_start) {
      if (lse) lse[i] = 0.0f;
      continue;
    }
    int n = last - key_start + 1;
    for (int j = 0; j < n; j++) scores[j] = dot(q, h.k + (key_start + j) * h.k_rs, hs);
    float m = row_max(scores, n);
    float sum = exp_in_place(scores, n, scale, m * scale);
    float inv = 1.0f / sum;
    for (int j = 0; j < n; j++) axpy(o, h.v + (key_start + j) * h.v_rs, scores[j] * inv, hs);
    if (lse) lse[i] = m * scale + (float)log_positive(sum);
  }
}

static void forward_tiles(head_view h, int tq, int tk, int hs, int past, int key_start, float scale, float *lse,
                          float *scratch) {
  int tkp = round_up(tk, NR);
  float *kt_packed = scratch;                       // hs × tkp: op(B) = Kᵀ
  float *v_packed = kt_packed + hs * tkp;           // tk × round_up(hs, NR): op(B) = V
  float *a_packed = v_packed + tk * round_up(hs, NR);  // MR × max(tk, hs)
  float *s = a_packed + MR * max_int(tk, hs);       // MR × tkp scores, then probabilities
  pack_b(hs, tk, h.k, 1, h.k_rs, kt_packed);
  pack_b(tk, hs, h.v, h.v_rs, 1, v_packed);
  int first_tile = key_start / NR * NR;
  for (int i0 = 0; i0 < tq; i0 += MR) {
    int mr = min_int(MR, tq - i0);
    int key_end = min_int(tk, past + i0 + mr);  // keys any row of the block sees end before this
    if (key_end <= key_start) {
      for (int r = 0; r < mr; r++) {
        zero(h.o + (i0 + r) * h.o_rs, hs);
        if (lse) lse[i0 + r] = 0.0f;
      }
      continue;
    }
    pack_a(mr, hs, h.q + i0 * h.q_rs, h.q_rs, 1, a_packed);
    for (int j0 = first_tile; j0 < key_end; j0 += NR)
      micro_tile(hs, a_packed, kt_packed + j0 * hs, s + j0, tkp, mr, NR, 0, 1.0f, 0);
    for (int r = 0; r < mr; r++) {
      float *row = s + r * tkp;
      int last = past + i0 + r;
      if (last < key_start) {
        zero(row + first_tile, key_end - first_tile);
        if (lse) lse[i0 + r] = 0.0f;
        continue;
      }
      int n = last - key_start + 1;
      float m = row_max(row + key_start, n);
      float sum = exp_in_place(row + key_start, n, scale, m * scale);
      scale_in_place(row + key_start, n, 1.0f / sum);
      zero(row + first_tile, key_start - first_tile);
      zero(row + last + 1, key_end - last - 1);
      if (lse) lse[i0 + r] = m * scale + (float)log_positive(sum);
    }
    int kc = key_end - first_tile;
    pack_a(mr, kc, s + first_tile, tkp, 1, a_packed);
    for (int d0 = 0; d0 < hs; d0 += NR)
      micro_tile(kc, a_packed, v_packed + d0 * tk + first_tile * NR, h.o + i0 * h.o_rs + d0, h.o_rs, mr,
                 min_int(NR, hs - d0), 0, 1.0f, 0);
  }
}

// Attention for `batch` rows of `heads` heads. Pointers q, k, v, o address head 0 of batch row 0;
// query (and output) head h is at column offset h·hs and reads key/value head ⌊h / group⌋ (group 1:
// plain multi-head attention), batch row b at b·*_bs. key_start (may be 0) holds one int per
// batch row; lse (may be 0) receives log Σ_j e^(score) per (b, h, i), laid out [batch, heads, tq].
void EXPORT(attention_forward)(int batch, int heads, int group, int tq, int tk, int hs, int past, const float *q,
                               int q_rs, int q_bs, const float *k, int k_rs, int k_bs, const float *v, int v_rs,
                               int v_bs, float *o, int o_rs, int o_bs, const int *key_start, float scale, float *lse,
                               float *scratch) {
  for (int b = 0; b < batch; b++) {
    int ks = key_start ? key_start[b] : 0;
    for (int hd = 0; hd < heads; hd++) {
      int kv = hd / group;  // grouped-query attention: `group` query heads share key/value head kv
      head_view h = {q + b * q_bs + hd * hs, k + b * k_bs + kv * hs, v + b * v_bs + kv * hs,
                     o + b * o_bs + hd * hs, q_rs, k_rs, v_rs, o_rs};
      float *head_lse = lse ? lse + (b * heads + hd) * tq : 0;
      if (tq <= 2)
        forward_rows(h, tq, hs, past, ks, scale, head_lse, scratch);
      else
        forward_tiles(h, tq, tk, hs, past, ks, scale, head_lse, scratch);
    }
  }
}

int EXPORT(attention_backward_scratch_floats)(int t, int hs) {
  int tp = round_up(t, NR), hsp = round_up(hs, NR);
  return 2 * hs * tp + 3 * t * hsp + MR * max_int(t, hs) + 2 * t * tp;
}

// Gradient of causal self-attention (tq = tk = t, no past, no key start) with respect to q, k and v,
// written into dq (layout of q) and dk, dv (layout of k and v; the three may be the column blocks of
// one dqkv tensor). Query head h reads key/value head ⌊h / group⌋, whose gradients sum over its
// group's query heads. o is the forward output, d_o its gradient, lse the forward's log-sum-exp per
// (b, h, i).
void EXPORT(attention_backward)(int batch, int heads, int group, int t, int hs, const float *q, int q_rs, int q_bs,
                                const float *k, const float *v, int kv_rs, int kv_bs, const float *o,
                                const float *d_o, int o_rs, int o_bs, const float *lse, float scale, float *dq,
                                int dq_rs, int dq_bs, float *dk, float *dv, int dkv_rs, int dkv_bs, float *scratch) {
  int tp = round_up(t, NR), hsp = round_up(hs, NR);
  float *kt_packed = scratch;            // hs × tp: Kᵀ for S = Q·Kᵀ
  float *vt_packed = kt_packed + hs * tp;  // hs × tp: Vᵀ for dP = dO·Vᵀ
  float *do_packed = vt_packed + hs * tp;  // t × hsp: dO for dV = Pᵀ·dO
  float *k_packed = do_packed + t * hsp;   // t × hsp: K for dQ = dS·K
  float *q_packed = k_packed + t * hsp;    // t × hsp: Q for dK = dSᵀ·Q
  float *a_packed = q_packed + t * hsp;    // MR × max(t, hs)
  float *p = a_packed + MR * max_int(t, hs);  // t × tp probabilities
  float *ds = p + t * tp;                  // t × tp score gradients
  for (int b = 0; b < batch; b++) {
    for (int hd = 0; hd < heads; hd++) {
      int kv = hd / group;
      int acc = hd % group != 0;  // later query heads of a group add to its key/value gradients
      const float *qh = q + b * q_bs + hd * hs, *kh = k + b * kv_bs + kv * hs, *vh = v + b * kv_bs + kv * hs;
      const float *oh = o + b * o_bs + hd * hs, *doh = d_o + b * o_bs + hd * hs;
      float *dqh = dq + b * dq_bs + hd * hs, *dkh = dk + b * dkv_bs + kv * hs, *dvh = dv + b * dkv_bs + kv * hs;
      const float *head_lse = lse + (b * heads + hd) * t;
      pack_b(hs, t, kh, 1, kv_rs, kt_packed);
      pack_b(hs, t, vh, 1, kv_rs, vt_packed);
      pack_b(t, hs, doh, o_rs, 1, do_packed);
      pack_b(t, hs, kh, kv_rs, 1, k_packed);
      pack_b(t, hs, qh, q_rs, 1, q_packed);
      for (int i0 = 0; i0 < t; i0 += MR) {
        int mr = min_int(MR, t - i0);
        int key_end = i0 + mr;
        pack_a(mr, hs, qh + i0 * q_rs, q_rs, 1, a_packed);
        for (int j0 = 0; j0 < key_end; j0 += NR)
          micro_tile(hs, a_packed, kt_packed + j0 * hs, p + i0 * tp + j0, tp, mr, NR, 0, 1.0f, 0);
        pack_a(mr, hs, doh + i0 * o_rs, o_rs, 1, a_packed);
        for (int j0 = 0; j0 < key_end; j0 += NR)
          micro_tile(hs, a_packed, vt_packed + j0 * hs, ds + i0 * tp + j0, tp, mr, NR, 0, 1.0f, 0);
        for (int r = 0; r < mr; r++) {
          int i = i0 + r;
          float *prow = p + i * tp, *dsrow = ds + i * tp;
          exp_in_place(prow, i + 1, scale, head_lse[i]);
          zero(prow + i + 1, key_end - i - 1);
          float di = dot(doh + i * o_rs, oh + i * o_rs, hs);
          v128_t vdi = wasm_f32x4_splat(di);
          int j = 0;
          for (; j + 4 <= i + 1; j += 4)
            wasm_v128_store(dsrow + j,
                            wasm_f32x4_mul(wasm_v128_load(prow + j), wasm_f32x4_sub(wasm_v128_load(dsrow + j), vdi)));
          for (; j <= i; j++) dsrow[j] = prow[j] * (dsrow[j] - di);
          zero(dsrow + i + 1, key_end - i - 1);
        }
        pack_a(mr, key_end, ds + i0 * tp, tp, 1, a_packed);
        for (int d0 = 0; d0 < hs; d0 += NR)
          micro_tile(key_end, a_packed, k_packed + d0 * t, dqh + i0 * dq_rs + d0, dq_rs, mr, min_int(NR, hs - d0), 0,
                     scale, 0);
      }
      // Key j receives from queries i ≥ j: rows [j0, t) of Pᵀ and dSᵀ.
      for (int j0 = 0; j0 < t; j0 += MR) {
        int mr = min_int(MR, t - j0);
        int kc = t - j0;
        pack_a(mr, kc, p + j0 * tp + j0, 1, tp, a_packed);
        for (int d0 = 0; d0 < hs; d0 += NR)
          micro_tile(kc, a_packed, do_packed + d0 * t + j0 * NR, dvh + j0 * dkv_rs + d0, dkv_rs, mr,
                     min_int(NR, hs - d0), acc, 1.0f, 0);
        pack_a(mr, kc, ds + j0 * tp + j0, 1, tp, a_packed);
        for (int d0 = 0; d0 < hs; d0 += NR)
          micro_tile(kc, a_packed, q_packed + d0 * t + j0 * NR, dkh + j0 * dkv_rs + d0, dkv_rs, mr,
                     min_int(NR, hs - d0), acc, scale, 0);
      }
    }
  }
}

// dst[b·dst_bs + r·dst_rs + c] = src[b·src_bs + r·src_rs + c] for c < width: writes new keys and values
// into a preallocated cache in place.
void EXPORT(copy_rows)(int batch, int rows, int width, const float *src, int src_rs, int src_bs, float *dst,
                       int dst_rs, int dst_bs) {
  for (int b = 0; b < batch; b++)
    for (int r = 0; r < rows; r++) {
      const float *s = src + b * src_bs + r * src_rs;
      float *d = dst + b * dst_bs + r * dst_rs;
      int c = 0;
      for (; c + 4 <= width; c += 4) wasm_v128_store(d + c, wasm_v128_load(s + c));
      for (; c < width; c++) d[c] = s[c];
    }
}
