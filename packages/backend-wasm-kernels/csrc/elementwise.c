// Fused row-wise and element-wise kernels: LayerNorm, GELU, token log-probabilities (softmax
// cross-entropy), Adam, embedding gather and scatter-add.
#include "kernels.h"

static float row_sum(const float *x, int n) {
  v128_t s = wasm_f32x4_splat(0);
  int j = 0;
  for (; j + 4 <= n; j += 4) s = wasm_f32x4_add(s, wasm_v128_load(x + j));
  float total = hsum4(s);
  for (; j < n; j++) total += x[j];
  return total;
}

// y = (x − μ)·r·γ + β per row of width n, r = 1/√(var + ε); μ and r are kept for the backward pass.
void EXPORT(layer_norm_forward)(int rows, int n, const float *x, const float *gamma, const float *beta, float epsilon,
                                float *y, float *mean, float *rstd) {
  float inv_n = 1.0f / (float)n;
  for (int i = 0; i < rows; i++) {
    const float *xr = x + i * n;
    float *yr = y + i * n;
    float mu = row_sum(xr, n) * inv_n;
    v128_t vmu = wasm_f32x4_splat(mu), acc = wasm_f32x4_splat(0);
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      v128_t c = wasm_f32x4_sub(wasm_v128_load(xr + j), vmu);
      acc = madd(c, c, acc);
    }
    float var = hsum4(acc);
    for (; j < n; j++) var += (xr[j] - mu) * (xr[j] - mu);
    float r = 1.0f / __builtin_sqrtf(var * inv_n + epsilon);
    v128_t vr = wasm_f32x4_splat(r);
    for (j = 0; j + 4 <= n; j += 4) {
      v128_t xhat = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), vmu), vr);
      wasm_v128_store(yr + j, madd(xhat, wasm_v128_load(gamma + j), wasm_v128_load(beta + j)));
    }
    for (; j < n; j++) yr[j] = (xr[j] - mu) * r * gamma[j] + beta[j];
    mean[i] = mu;
    rstd[i] = r;
  }
}

// dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ; dγ = Σ dy·x̂, dβ = Σ dy over rows.
void EXPORT(layer_norm_backward)(int rows, int n, const float *x, const float *gamma, const float *mean,
                                 const float *rstd, const float *dy, float *dx, float *dgamma, float *dbeta) {
  float inv_n = 1.0f / (float)n;
  for (int j = 0; j < n; j++) {
    dgamma[j] = 0.0f;
    dbeta[j] = 0.0f;
  }
  for (int i = 0; i < rows; i++) {
    const float *xr = x + i * n, *dyr = dy + i * n;
    float *dxr = dx + i * n;
    v128_t vmu = wasm_f32x4_splat(mean[i]), vr = wasm_f32x4_splat(rstd[i]);
    v128_t s1 = wasm_f32x4_splat(0), s2 = s1;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      v128_t xhat = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), vmu), vr);
      v128_t g = wasm_v128_load(dyr + j);
      v128_t dxhat = wasm_f32x4_mul(g, wasm_v128_load(gamma + j));
      s1 = wasm_f32x4_add(s1, dxhat);
      s2 = madd(dxhat, xhat, s2);
      wasm_v128_store(dgamma + j, madd(g, xhat, wasm_v128_load(dgamma + j)));
      wasm_v128_store(dbeta + j, wasm_f32x4_add(g, wasm_v128_load(dbeta + j)));
    }
    float sum1 = hsum4(s1), sum2 = hsum4(s2);
    int tail = j;
    for (; j < n; j++) {
      float xhat = (xr[j] - mean[i]) * rstd[i];
      float dxhat = dyr[j] * gamma[j];
      sum1 += dxhat;
      sum2 += dxhat * xhat;
      dgamma[j] += dyr[j] * xhat;
      dbeta[j] += dyr[j];
    }
    float a = sum1 * inv_n, b = sum2 * inv_n;
    v128_t va = wasm_f32x4_splat(a), vb = wasm_f32x4_splat(b);
    for (j = 0; j + 4 <= n; j += 4) {
      v128_t xhat = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), vmu), vr);
      v128_t dxhat = wasm_f32x4_mul(wasm_v128_load(dyr + j), wasm_v128_load(gamma + j));
      v128_t inner = wasm_f32x4_sub(wasm_f32x4_sub(dxhat, va), wasm_f32x4_mul(xhat, vb));
      wasm_v128_store(dxr + j, wasm_f32x4_mul(inner, vr));
    }
    for (j = tail; j < n; j++) {
      float xhat = (xr[j] - mean[i]) * rstd[i];
      dxr[j] = rstd[i] * (dyr[j] * gamma[j] - a - xhat * b);
    }
  }
}

#define GELU_SCALE 0.7978845608028654f  // √(2/π)
#define GELU_CUBIC 0.044715f

// σ(2·√(2/π)·(x + 0.044715·x³)), the sigmoid form of tanh-GELU's gate.
static inline v128_t gelu_gate(v128_t x) {
  v128_t inner = wasm_f32x4_mul(
      wasm_f32x4_mul(x, madd(wasm_f32x4_mul(x, x), wasm_f32x4_splat(GELU_CUBIC), wasm_f32x4_splat(1.0f))),
      wasm_f32x4_splat(2.0f * GELU_SCALE));
  v128_t one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(inner))));
}

static inline float gelu_gate1(float x) { return wasm_f32x4_extract_lane(gelu_gate(wasm_f32x4_splat(x)), 0); }

// y = x·σ(2·√(2/π)·(x + 0.044715·x³)) (tanh-approximate GELU).
void EXPORT(gelu_forward)(int n, const float *x, float *y) {
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    v128_t v = wasm_v128_load(x + j);
    wasm_v128_store(y + j, wasm_f32x4_mul(v, gelu_gate(v)));
  }
  for (; j < n; j++) y[j] = x[j] * gelu_gate1(x[j]);
}

// dx = dy·(s + x·s·(1 − s)·2·√(2/π)·(1 + 3·0.044715·x²)), s the gate.
void EXPORT(gelu_backward)(int n, const float *x, const float *dy, float *dx) {
  v128_t one = wasm_f32x4_splat(1.0f);
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    v128_t v = wasm_v128_load(x + j);
    v128_t s = gelu_gate(v);
    v128_t slope = wasm_f32x4_mul(madd(wasm_f32x4_mul(v, v), wasm_f32x4_splat(3.0f * GELU_CUBIC), one),
                                  wasm_f32x4_splat(2.0f * GELU_SCALE));
    v128_t local = madd(wasm_f32x4_mul(wasm_f32x4_mul(v, s), wasm_f32x4_sub(one, s)), slope, s);
    wasm_v128_store(dx + j, wasm_f32x4_mul(wasm_v128_load(dy + j), local));
  }
  for (; j < n; j++) {
    float v = x[j], s = gelu_gate1(v);
    float slope = (1.0f + 3.0f * GELU_CUBIC * v * v) * 2.0f * GELU_SCALE;
    dx[j] = dy[j] * (s + v * s * (1.0f - s) * slope);
  }
}

// logp[r] = logits[r, t] − log Σ_j e^logits[r, j] for target t = targets[r] ≥ 0, 0 for t < 0 (not scored).
// lse[r] keeps the log-sum-exp for the backward pass. Returns the number of targets ≥ vocab (none written).
int EXPORT(token_logp_forward)(int rows, int vocab, const float *logits, const int *targets, float *logp, float *lse) {
  int bad = 0;
  for (int r = 0; r < rows; r++) {
    const float *row = logits + r * vocab;
    v128_t vm = wasm_f32x4_splat(-3.402823466e38f);
    int j = 0;
    for (; j + 4 <= vocab; j += 4) vm = wasm_f32x4_max(vm, wasm_v128_load(row + j));
    float m = hmax4(vm);
    for (; j < vocab; j++) m = row[j] > m ? row[j] : m;
    v128_t vmv = wasm_f32x4_splat(m), sum = wasm_f32x4_splat(0);
    for (j = 0; j + 4 <= vocab; j += 4) sum = wasm_f32x4_add(sum, exp4(wasm_f32x4_sub(wasm_v128_load(row + j), vmv)));
    float s = hsum4(sum);
    for (; j < vocab; j++) s += exp1(row[j] - m);
    float l = m + (float)log_positive(s);
    lse[r] = l;
    int t = targets[r];
    if (t >= vocab) bad++;
    logp[r] = t >= 0 && t < vocab ? row[t] - l : 0.0f;
  }
  return bad;
}

// dlogits[r, j] = g[r]·([j = t] − e^(logits[r, j] − lse[r])) for scored rows, 0 for the others.
void EXPORT(token_logp_backward)(int rows, int vocab, const float *logits, const int *targets, const float *lse,
                                 const float *g, float *dlogits) {
  for (int r = 0; r < rows; r++) {
    const float *row = logits + r * vocab;
    float *out = dlogits + r * vocab;
    int t = targets[r];
    if (t < 0 || t >= vocab) {
      for (int j = 0; j < vocab; j++) out[j] = 0.0f;
      continue;
    }
    v128_t vl = wasm_f32x4_splat(lse[r]), vg = wasm_f32x4_splat(-g[r]);
    int j = 0;
    for (; j + 4 <= vocab; j += 4)
      wasm_v128_store(out + j, wasm_f32x4_mul(vg, exp4(wasm_f32x4_sub(wasm_v128_load(row + j), vl))));
    for (; j < vocab; j++) out[j] = -g[r] * exp1(row[j] - lse[r]);
    out[t] += g[r];
  }
}

// One Adam step in place, in the order of TensorFlow.js's AdamOptimizer:
// m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², w ← w − lr·(m/c1)/(√(v/c2) + ε) with cᵢ = 1 − βᵢᵗ.
void EXPORT(adam_update)(int n, float *w, float *m, float *v, const float *g, float beta1, float beta2, float lr,
                         float epsilon, float c1, float c2) {
  v128_t b1 = wasm_f32x4_splat(beta1), b2 = wasm_f32x4_splat(beta2);
  v128_t ob1 = wasm_f32x4_splat(1.0f - beta1), ob2 = wasm_f32x4_splat(1.0f - beta2);
  v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2), eps = wasm_f32x4_splat(epsilon);
  v128_t nlr = wasm_f32x4_splat(-lr);
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    v128_t gj = wasm_v128_load(g + j);
    v128_t mj = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + j), b1), wasm_f32x4_mul(gj, ob1));
    v128_t vj = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + j), b2), wasm_f32x4_mul(wasm_f32x4_mul(gj, gj), ob2));
    wasm_v128_store(m + j, mj);
    wasm_v128_store(v + j, vj);
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mj, vc1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vj, vc2)), eps));
    wasm_v128_store(w + j, wasm_f32x4_add(wasm_f32x4_mul(step, nlr), wasm_v128_load(w + j)));
  }
  for (; j < n; j++) {
    float mj = m[j] * beta1 + g[j] * (1.0f - beta1);
    float vj = v[j] * beta2 + g[j] * g[j] * (1.0f - beta2);
    m[j] = mj;
    v[j] = vj;
    w[j] = (mj / c1) / (__builtin_sqrtf(vj / c2) + epsilon) * -lr + w[j];
  }
}

// out[r] = table[ids[r]] (+ positions[position_ids[r]] when positions ≠ 0), rows of width n.
// Returns the number of ids outside [0, table_rows) or [0, position_rows) (their rows are zero).
int EXPORT(embedding_forward)(int rows, int n, const int *ids, const float *table, int table_rows,
                              const int *position_ids, const float *positions, int position_rows, float *out) {
  int bad = 0;
  for (int r = 0; r < rows; r++) {
    float *o = out + r * n;
    int id = ids[r];
    int p = positions ? position_ids[r] : 0;
    if (id < 0 || id >= table_rows || (positions && (p < 0 || p >= position_rows))) {
      bad++;
      for (int j = 0; j < n; j++) o[j] = 0.0f;
      continue;
    }
    const float *a = table + id * n;
    int j = 0;
    if (positions) {
      const float *b = positions + p * n;
      for (; j + 4 <= n; j += 4) wasm_v128_store(o + j, wasm_f32x4_add(wasm_v128_load(a + j), wasm_v128_load(b + j)));
      for (; j < n; j++) o[j] = a[j] + b[j];
    } else {
      for (; j + 4 <= n; j += 4) wasm_v128_store(o + j, wasm_v128_load(a + j));
      for (; j < n; j++) o[j] = a[j];
    }
  }
  return bad;
}

// grad = 0 (table_rows × n), then grad[ids[r]] += dy[r]: the gradient of a row gather.
// Rows with ids outside [0, table_rows) are skipped and counted in the return value.
int EXPORT(scatter_add_rows)(int rows, int n, const int *ids, const float *dy, float *grad, int table_rows) {
  for (int j = 0; j < table_rows * n; j++) grad[j] = 0.0f;
  int bad = 0;
  for (int r = 0; r < rows; r++) {
    int id = ids[r];
    if (id < 0 || id >= table_rows) {
      bad++;
      continue;
    }
    float *g = grad + id * n;
    const float *d = dy + r * n;
    int j = 0;
    for (; j + 4 <= n; j += 4) wasm_v128_store(g + j, wasm_f32x4_add(wasm_v128_load(g + j), wasm_v128_load(d + j)));
    for (; j < n; j++) g[j] += d[j];
  }
  return bad;
}

// y = a + b element-wise (the residual connection), n floats.
void EXPORT(add_forward)(int n, const float *a, const float *b, float *y) {
  int j = 0;
  for (; j + 4 <= n; j += 4) wasm_v128_store(y + j, wasm_f32x4_add(wasm_v128_load(a + j), wasm_v128_load(b + j)));
  for (; j < n; j++) y[j] = a[j] + b[j];
}
