// Truncated SVD of a sparse matrix by randomized range finding (Halko, Martinsson & Tropp 2011), small
// enough to run in plain JavaScript within the model build's time budget.

export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Deterministic uniform numbers in [0, 1) (mulberry32): the same build gives the same model. */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic Gaussian numbers (Box-Muller over `uniform`). */
export function gaussian(seed: number): () => number {
  const next = uniform(seed);
  return () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

/** A (rows × cols, CSR) times X (cols × l, row-major) → rows × l row-major. */
function mul(a: Csr, x: Float64Array, l: number): Float64Array {
  const y = new Float64Array(a.rows * l);
  for (let i = 0; i < a.rows; i++) {
    const yo = i * l;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const v = a.values[p];
      const xo = a.indices[p] * l;
      for (let k = 0; k < l; k++) y[yo + k] += v * x[xo + k];
    }
  }
  return y;
}

/** Aᵀ (cols × rows) times Y (rows × l) → cols × l row-major. */
function mulT(a: Csr, y: Float64Array, l: number): Float64Array {
  const x = new Float64Array(a.cols * l);
  for (let i = 0; i < a.rows; i++) {
    const yo = i * l;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const v = a.values[p];
      const xo = a.indices[p] * l;
      for (let k = 0; k < l; k++) x[xo + k] += v * y[yo + k];
    }
  }
  return x;
}

/** Gram matrix MᵀM (l × l) of a row-major n × l matrix. */
function gram(m: Float64Array, n: number, l: number): Float64Array {
  const g = new Float64Array(l * l);
  for (let i = 0; i < n; i++) {
    const o = i * l;
    for (let r = 0; r < l; r++) {
      const v = m[o + r];
      if (v === 0) continue;
      const go = r * l;
      for (let c = r; c < l; c++) g[go + c] += v * m[o + c];
    }
  }
  for (let r = 0; r < l; r++) for (let c = 0; c < r; c++) g[r * l + c] = g[c * l + r];
  return g;
}

/** Orthonormalises the columns of a row-major n × l matrix in place (Cholesky QR, twice for accuracy). */
function orthonormalize(m: Float64Array, n: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    const g = gram(m, n, l);
    // Cholesky G = RᵀR, with a tiny ridge so rank-deficient columns do not break it.
    const r = new Float64Array(l * l);
    let trace = 0;
    for (let i = 0; i < l; i++) trace += g[i * l + i];
    const ridge = (trace / l) * 1e-10 + 1e-30;
    for (let j = 0; j < l; j++) {
      let d = g[j * l + j] + ridge;
      for (let k = 0; k < j; k++) d -= r[k * l + j] * r[k * l + j];
      const rjj = Math.sqrt(Math.max(d, ridge));
      r[j * l + j] = rjj;
      for (let i = j + 1; i < l; i++) {
        let s = g[j * l + i];
        for (let k = 0; k < j; k++) s -= r[k * l + j] * r[k * l + i];
        r[j * l + i] = s / rjj;
      }
    }
    // M ← M R⁻¹, row by row (forward substitution on each row). Reading R by columns from its transpose
    // keeps the inner loop on consecutive memory; the sums are the same, in the same order.
    const rt = new Float64Array(l * l);
    for (let k = 0; k < l; k++) for (let j = 0; j < l; j++) rt[j * l + k] = r[k * l + j];
    const row = new Float64Array(l);
    for (let i = 0; i < n; i++) {
      const o = i * l;
      for (let j = 0; j < l; j++) {
        let s = m[o + j];
        const ro = j * l;
        for (let k = 0; k < j; k++) s -= row[k] * rt[ro + k];
        row[j] = s / rt[ro + j];
      }
      m.set(row, o);
    }
  }
}

/** Eigen-decomposition of a symmetric l × l matrix by cyclic Jacobi rotations; descending eigenvalues. */
function symmetricEigen(a: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += m[p * l + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < l; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = m[p * l + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * l + q] - m[p * l + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const mkp = m[k * l + p];
          const mkq = m[k * l + q];
          m[k * l + p] = c * mkp - s * mkq;
          m[k * l + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < l; k++) {
          const mpk = m[p * l + k];
          const mqk = m[q * l + k];
          m[p * l + k] = c * mpk - s * mqk;
          m[q * l + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p];
          const vkq = v[k * l + q];
          v[k * l + p] = c * vkp - s * vkq;
          v[k * l + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: l }, (_, i) => i).sort((x, y) => m[y * l + y] - m[x * l + x]);
  const values = new Float64Array(l);
  const vectors = new Float64Array(l * l); // column j = eigenvector j
  order.forEach((src, j) => {
    values[j] = m[src * l + src];
    for (let k = 0; k < l; k++) vectors[k * l + j] = v[k * l + src];
  });
  return { values, vectors };
}

/**
 * Left singular vectors scaled by singular values^power: rows × k, row-major. With power 0.5 this is the
 * usual "symmetric" word-vector weighting for PPMI matrices.
 */
export function truncatedSvd(a: Csr, k: number, opts: { oversample?: number; powerIters?: number; power?: number; seed?: number } = {}): Float32Array {
  const l = Math.min(k + (opts.oversample ?? 16), a.rows, a.cols);
  const rand = gaussian(opts.seed ?? 42);
  const omega = new Float64Array(a.cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rand();
  let y = mul(a, omega, l);
  orthonormalize(y, a.rows, l);
  // Power iterations sharpen the spectrum; only the (shorter) row side is re-orthonormalised.
  for (let it = 0; it < (opts.powerIters ?? 2); it++) {
    y = mul(a, mulT(a, y, l), l);
    orthonormalize(y, a.rows, l);
  }
  // B = Qᵀ A and B Bᵀ = Qᵀ (A (Aᵀ Q)), an l × l matrix whose eigenvectors rotate Q into the left singular
  // vectors; computing it through the rows keeps the work proportional to the shorter side.
  const c = mul(a, mulT(a, y, l), l);
  const bbt = new Float64Array(l * l);
  for (let i = 0; i < a.rows; i++) {
    const o = i * l;
    for (let r = 0; r < l; r++) {
      const q = y[o + r];
      if (q === 0) continue;
      for (let k = 0; k < l; k++) bbt[r * l + k] += q * c[o + k];
    }
  }
  for (let r = 0; r < l; r++) for (let k = 0; k < r; k++) bbt[r * l + k] = bbt[k * l + r] = (bbt[r * l + k] + bbt[k * l + r]) / 2;
  const { values, vectors } = symmetricEigen(bbt, l);
  const kk = Math.min(k, l);
  const out = new Float32Array(a.rows * kk);
  const scale = Array.from({ length: kk }, (_, j) => Math.pow(Math.sqrt(Math.max(values[j], 0)), opts.power ?? 0.5));
  const vt = new Float64Array(l * l); // eigenvector j in row j, for consecutive reads below
  for (let t = 0; t < l; t++) for (let j = 0; j < l; j++) vt[j * l + t] = vectors[t * l + j];
  for (let i = 0; i < a.rows; i++) {
    const yo = i * l;
    for (let j = 0; j < kk; j++) {
      let s = 0;
      const vo = j * l;
      for (let t = 0; t < l; t++) s += y[yo + t] * vt[vo + t];
      out[i * kk + j] = s * scale[j];
    }
  }
  return out;
}
