/** The transpose `[cols, rows]` of a row-major `[rows, cols]` matrix (cache-blocked). */
export function transposeMatrix(values: Float32Array, rows: number, cols: number): Float32Array {
  if (values.length !== rows * cols) {
    throw new Error(`transposeMatrix: ${values.length} values for a ${rows}×${cols} matrix`);
  }
  const out = new Float32Array(values.length);
  const block = 64;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(cols, c0 + block);
      for (let r = r0; r < r1; r++) {
        const from = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = values[from + c] as number;
      }
    }
  }
  return out;
}
