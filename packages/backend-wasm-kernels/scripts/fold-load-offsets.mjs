// Part of the kernels' build (scripts/build-wasm.mjs): a peephole pass over wasm2wat's text.

/**
 * `i32.const C; i32.add; <load>` with C ≥ 0 becomes `<load offset=C+D>`: the add's result is the
 * load's address operand, so the two compute the same address when it does not wrap.
 */
export function foldLoadOffsets(wat) {
  const lines = wat.split('\n');
  const out = [];
  const load = /^(\s*)((?:i32|i64|f32|f64|v128)\.load\w*)(?: offset=(\d+))?((?: align=\d+)?)\s*$/;
  for (let i = 0; i < lines.length; i++) {
    const constant = /^\s*i32\.const (\d+)\s*$/.exec(lines[i]);
    const target = constant && /^\s*i32\.add\s*$/.test(lines[i + 1] ?? '') ? load.exec(lines[i + 2] ?? '') : null;
    if (constant && target) {
      const offset = Number(constant[1]) + Number(target[3] ?? 0);
      if (offset < 2 ** 31) {
        out.push(`${target[1]}${target[2]} offset=${offset}${target[4]}`);
        i += 2;
        continue;
      }
    }
    out.push(lines[i]);
  }
  return out.join('\n');
}
