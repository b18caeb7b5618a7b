/* The sx-PID on full tables, fused: the bivariate atoms (sx_pid_f32/f64) and the redundancies of
 * a lattice over up to three sources (sx_red_lattice_f32/f64, further below); at the end, the
 * learning step's score (score_step_f32/f64) and binning (bins_f32/f64), the score of a lattice
 * goal at the samples (score_samples_f32/f64), the memory test's sign dynamics
 * (settle_step_f32/f64) and the Krauth–Mézard rule's minover loop (minover_f32/f64).
 *
 * Bivariate: joint pmfs p[n][n1][n2][nt] (contiguous), one table at a time. The same formulas as infomorphic_core.pid.sx_pid, fused: each table is read from memory once,
 * transposed target-major into a small buffer that stays in the CPU cache, and every marginal,
 * union probability and logarithm is taken there, with vectorised logarithms (glibc's libmvec).
 * Sums are accumulated in double, also for float tables. Compiled on first use by
 * infomorphic_core.fused. out[b] = (unq_R, unq_C, red, syn, res) in bits, then the table's total
 * and its smallest entry (for the input checks).
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* glibc's math.h declares the vector variants only under -ffast-math, which would also change
   the arithmetic (and, linked into a shared library by gcc 12, flush denormals for the whole
   process): declare them here, so that -fopenmp-simd calls libmvec's vector logarithms. Built
   without INFOMORPHIC_LIBMVEC (a C library without libmvec: musl, macOS), the logarithms are
   the scalar ones, with the same arithmetic. */
#ifdef INFOMORPHIC_LIBMVEC
#pragma omp declare simd notinbranch
float log2f(float);
#pragma omp declare simd notinbranch
double log2(double);
#endif

/* Every log below is clamped at the smallest normal number: that only changes cells of zero
   probability, whose log is always weighted by a zero (as in the eager path). */
/* x[t][k] = q[k][t] for a table of m source cells and nt targets; returns the smallest entry.
   A target axis of 2 (a binary neuron) gets its own loop: with a constant stride the compiler
   de-interleaves whole vectors instead of loading one entry at a time.
   margins: the row sums (unless rows is NULL) and column sums of an n1×n2 matrix, and its total. */
#define HELPERS(S, T)                                                                            \
    static T transpose_##S(const T *restrict q, T *restrict x, int64_t m, int64_t nt) {        \
        T low = q[0];                                                                          \
        if (nt == 2) {                                                                         \
            T *x1 = x + m;                                                                     \
            _Pragma("omp simd reduction(min : low)") for (int64_t k = 0; k < m; k++) {         \
                T a = q[2 * k], c = q[2 * k + 1];                                              \
                x[k] = a;                                                                      \
                x1[k] = c;                                                                     \
                low = a < low ? a : low;                                                       \
                low = c < low ? c : low;                                                       \
            }                                                                                  \
            return low;                                                                        \
        }                                                                                      \
        for (int64_t t = 0; t < nt; t++) {                                                     \
            T *y = x + t * m;                                                                  \
            _Pragma("omp simd reduction(min : low)") for (int64_t k = 0; k < m; k++) {         \
                y[k] = q[k * nt + t];                                                          \
                low = y[k] < low ? y[k] : low;                                                 \
            }                                                                                  \
        }                                                                                      \
        return low;                                                                            \
    }                                                                                          \
    static T margins_##S(const T *restrict x, int64_t n1, int64_t n2, T *restrict rows,        \
                         T *restrict cols) {                                                   \
        T total = 0;                                                                           \
        for (int64_t j = 0; j < n2; j++) cols[j] = 0;                                          \
        for (int64_t i = 0; i < n1; i++) {                                                     \
            T s = 0;                                                                           \
            _Pragma("omp simd reduction(+ : s)") for (int64_t j = 0; j < n2; j++) {            \
                s += x[i * n2 + j];                                                            \
                cols[j] += x[i * n2 + j];                                                      \
            }                                                                                  \
            if (rows) rows[i] = s;                                                             \
            total += s;                                                                        \
        }                                                                                      \
        return total;                                                                          \
    }

HELPERS(f32, float)
HELPERS(f64, double)

#define KERNEL(NAME, S, T, LOG2, TINY)                                                           \
    static double NAME##_xlogx(const T *restrict x, int64_t n) {                               \
        double s = 0;                                                                          \
        _Pragma("omp simd reduction(+ : s)") for (int64_t k = 0; k < n; k++) {                  \
            T u = x[k] < TINY ? TINY : x[k];                                                   \
            s += x[k] * LOG2(u);                                                               \
        }                                                                                      \
        return s;                                                                              \
    }                                                                                          \
    void NAME(const T *restrict p, int64_t n, int64_t n1, int64_t n2, int64_t nt, T *restrict out, \
              T *restrict work) {                                                              \
        int64_t m = n1 * n2, size = m * nt;                                                    \
        T *qt = work, *u = qt + size, *s12 = u + size, *u12 = s12 + m, *s1t = u12 + m,          \
          *s2t = s1t + n1 * nt, *s1 = s2t + n2 * nt, *s2 = s1 + n1, *pt = s2 + n2;             \
        for (int64_t b = 0; b < n; b++) {                                                      \
            const T *q = p + b * size;                                                         \
            T low = transpose_##S(q, qt, m, nt); /* qt[t][i][j] = q[i][j][t] */               \
            _Pragma("omp simd") for (int64_t k = 0; k < m; k++) s12[k] = qt[k];                \
            for (int64_t t = 1; t < nt; t++) {                                                 \
                _Pragma("omp simd") for (int64_t k = 0; k < m; k++) s12[k] += qt[t * m + k];   \
            }                                                                                  \
            for (int64_t t = 0; t < nt; t++)                                                   \
                pt[t] = margins_##S(qt + t * m, n1, n2, s1t + t * n1, s2t + t * n2);           \
            margins_##S(s12, n1, n2, s1, s2);                                                  \
            /* union probabilities by inclusion-exclusion: P(t ∧ (s1 ∨ s2)), P(s1 ∨ s2) */     \
            for (int64_t t = 0; t < nt; t++)                                                   \
                for (int64_t i = 0; i < n1; i++) {                                             \
                    T a = s1t[t * n1 + i], *x = qt + t * m + i * n2, *y = u + t * m + i * n2,   \
                      *c = s2t + t * n2;                                                       \
                    _Pragma("omp simd") for (int64_t j = 0; j < n2; j++) y[j] = a + c[j] - x[j]; \
                }                                                                              \
            for (int64_t i = 0; i < n1; i++) {                                                 \
                T a = s1[i], *x = s12 + i * n2, *y = u12 + i * n2;                             \
                _Pragma("omp simd") for (int64_t j = 0; j < n2; j++) y[j] = a + s2[j] - x[j];  \
            }                                                                                  \
            double h_12t = 0, e_ut = 0, e_u = 0;                                               \
            _Pragma("omp simd reduction(+ : h_12t, e_ut)") for (int64_t k = 0; k < size; k++) { \
                T v = qt[k] < TINY ? TINY : qt[k], w = u[k] < TINY ? TINY : u[k];              \
                h_12t -= qt[k] * LOG2(v);                                                      \
                e_ut += qt[k] * LOG2(w);                                                       \
            }                                                                                  \
            _Pragma("omp simd reduction(+ : e_u)") for (int64_t k = 0; k < m; k++) {           \
                T w = u12[k] < TINY ? TINY : u12[k];                                           \
                e_u += s12[k] * LOG2(w);                                                       \
            }                                                                                  \
            double h_t = -NAME##_xlogx(pt, nt), h_1 = -NAME##_xlogx(s1, n1),                   \
                   h_2 = -NAME##_xlogx(s2, n2), h_12 = -NAME##_xlogx(s12, m),                  \
                   h_1t = -NAME##_xlogx(s1t, n1 * nt), h_2t = -NAME##_xlogx(s2t, n2 * nt);     \
            double mi_1 = h_1 + h_t - h_1t, mi_2 = h_2 + h_t - h_2t, mi_12 = h_12 + h_t - h_12t; \
            double red = e_ut + h_t - e_u;                                                     \
            double total = 0;                                                                  \
            for (int64_t t = 0; t < nt; t++) total += pt[t];                                   \
            T *o = out + 7 * b;                                                                \
            o[0] = mi_1 - red;                                                                 \
            o[1] = mi_2 - red;                                                                 \
            o[2] = red;                                                                        \
            o[3] = mi_12 - mi_1 - mi_2 + red;                                                  \
            o[4] = h_t - mi_12;                                                                \
            o[5] = total; /* the input checks of as_pmf, at no extra pass */                   \
            o[6] = low;                                                                        \
        }                                                                                      \
    }

KERNEL(sx_pid_f32, f32, float, log2f, FLT_MIN)
KERNEL(sx_pid_f64, f64, double, log2, DBL_MIN)

/* Shared-exclusion redundancies of every node of a lattice over up to three sources, for
 * contiguous joint pmfs p[n][d1][d2][d3][nt] (two sources: d3 = 1), as in
 * infomorphic_core.pid.sx_pid_lattice. Each table is transposed target-major into the cache,
 * every marginal P(s_B, t) and P(s_B) of a source set B (a bit mask over the three axes) is
 * formed once, and each node's union probabilities are signed sums of them
 * (inclusion-exclusion), laid out like the node's own marginal table so that one vectorised
 * loop weighs their logs.
 *
 * spec, per node: the mask I of the sources the node involves, its number of terms, then
 * (sign, mask B) per term. out[b] = (red of each node, H(T), total, smallest entry).
 */
#define LATTICE(NAME, S, T, LOG2, TINY)                                                          \
    static void NAME##_layout(int64_t mask, const int64_t *d, int64_t *ext, int64_t *stride) { \
        int64_t s = 1;                                                                         \
        for (int a = 2; a >= 0; a--) {                                                         \
            ext[a] = (mask >> a & 1) ? d[a] : 1;                                               \
            stride[a] = (mask >> a & 1) ? s : 0;                                               \
            s *= ext[a];                                                                       \
        }                                                                                      \
    }                                                                                          \
    void NAME(const T *restrict p, int64_t n, int64_t d1, int64_t d2, int64_t d3, int64_t nt, int64_t n_nodes, \
              const int64_t *restrict spec, T *restrict out, T *restrict work) {               \
        const int64_t d[3] = {d1, d2, d3}, m = d1 * d2 * d3;                                  \
        int64_t size[8], offset_t[8], offset[8], used = 0;                                     \
        for (int64_t B = 0; B < 8; B++) {                                                      \
            size[B] = ((B & 1) ? d1 : 1) * ((B & 2) ? d2 : 1) * ((B & 4) ? d3 : 1);            \
            offset_t[B] = used;                                                                \
            used += size[B] * nt;                                                              \
            offset[B] = used;                                                                  \
            used += size[B];                                                                   \
        }                                                                                      \
        T *u = work + used; /* a node's union probabilities, [nt][cells of I] */              \
        for (int64_t b = 0; b < n; b++) {                                                      \
            const T *q = p + b * m * nt;                                                       \
            T *full = work + offset_t[7], low = transpose_##S(q, full, m, nt);                 \
            /* marginals with the target, from the larger ones: sums over contiguous rows */   \
            for (int64_t t = 0; t < nt; t++) {                                                 \
                const T *x = full + t * m;                                                     \
                T *m12 = work + offset_t[3] + t * d1 * d2, *m13 = work + offset_t[5] + t * d1 * d3, \
                  *m23 = work + offset_t[6] + t * d2 * d3;                                     \
                for (int64_t k = 0; k < d1 * d3; k++) m13[k] = 0;                              \
                for (int64_t k = 0; k < d2 * d3; k++) m23[k] = 0;                              \
                for (int64_t i = 0; i < d1; i++)                                               \
                    for (int64_t j = 0; j < d2; j++) {                                         \
                        const T *row = x + (i * d2 + j) * d3;                                  \
                        T s = 0, *r13 = m13 + i * d3, *r23 = m23 + j * d3;                     \
                        _Pragma("omp simd reduction(+ : s)") for (int64_t l = 0; l < d3; l++) { \
                            s += row[l];                                                       \
                            r13[l] += row[l];                                                  \
                            r23[l] += row[l];                                                  \
                        }                                                                      \
                        m12[i * d2 + j] = s;                                                   \
                    }                                                                          \
                work[offset_t[0] + t] = margins_##S(m12, d1, d2, work + offset_t[1] + t * d1,  \
                                                    work + offset_t[2] + t * d2);              \
                margins_##S(m13, d1, d3, NULL, work + offset_t[4] + t * d3);                   \
            }                                                                                  \
            /* marginals without the target */                                                 \
            for (int64_t B = 0; B < 8; B++) {                                                  \
                T *y = work + offset[B];                                                       \
                const T *x = work + offset_t[B];                                               \
                _Pragma("omp simd") for (int64_t k = 0; k < size[B]; k++) y[k] = x[k];         \
                for (int64_t t = 1; t < nt; t++) {                                             \
                    _Pragma("omp simd") for (int64_t k = 0; k < size[B]; k++) y[k] += x[t * size[B] + k]; \
                }                                                                              \
            }                                                                                  \
            double h_t = 0, total = 0;                                                         \
            for (int64_t t = 0; t < nt; t++) {                                                 \
                T v = work[offset_t[0] + t];                                                   \
                total += v;                                                                    \
                h_t -= v * LOG2(v < TINY ? TINY : v);                                          \
            }                                                                                  \
            T *o = out + b * (n_nodes + 3);                                                    \
            const int64_t *s = spec;                                                           \
            for (int64_t k = 0; k < n_nodes; k++) {                                            \
                int64_t I = *s++, n_terms = *s++, ext[3], stride[3];                           \
                NAME##_layout(I, d, ext, stride);                                              \
                double red = h_t;                                                              \
                for (int with_t = 1; with_t >= 0; with_t--) {                                  \
                    int64_t reps = with_t ? nt : 1, cells = size[I];                           \
                    for (int64_t c = 0; c < reps * cells; c++) u[c] = 0;                       \
                    for (int64_t e = 0; e < n_terms; e++) {                                    \
                        T sign = (T)s[2 * e];                                                  \
                        int64_t B = s[2 * e + 1], bext[3], bstride[3];                         \
                        NAME##_layout(B, d, bext, bstride);                                    \
                        for (int64_t t = 0; t < reps; t++) {                                   \
                            const T *x = work + (with_t ? offset_t[B] + t * size[B] : offset[B]); \
                            T *y = u + t * cells;                                              \
                            for (int64_t i = 0; i < ext[0]; i++)                               \
                                for (int64_t j = 0; j < ext[1]; j++) {                         \
                                    const T *xr = x + i * bstride[0] + j * bstride[1];         \
                                    T *yr = y + (i * ext[1] + j) * ext[2];                     \
                                    if (bstride[2]) {                                          \
                                        _Pragma("omp simd") for (int64_t l = 0; l < ext[2]; l++) \
                                            yr[l] += sign * xr[l];                             \
                                    } else {                                                   \
                                        T v = sign * xr[0];                                    \
                                        _Pragma("omp simd") for (int64_t l = 0; l < ext[2]; l++) \
                                            yr[l] += v;                                        \
                                    }                                                          \
                                }                                                              \
                        }                                                                      \
                    }                                                                          \
                    const T *w = work + (with_t ? offset_t[I] : offset[I]);                    \
                    double e_log = 0;                                                          \
                    _Pragma("omp simd reduction(+ : e_log)") for (int64_t c = 0; c < reps * cells; c++) { \
                        T v = u[c] < TINY ? TINY : u[c];                                       \
                        e_log += w[c] * LOG2(v);                                               \
                    }                                                                          \
                    red += with_t ? e_log : -e_log;                                            \
                }                                                                              \
                o[k] = red;                                                                    \
                s += 2 * n_terms;                                                              \
            }                                                                                  \
            o[n_nodes] = h_t;                                                                  \
            o[n_nodes + 1] = total;                                                            \
            o[n_nodes + 2] = low;                                                              \
        }                                                                                      \
    }

LATTICE(sx_red_lattice_f32, f32, float, log2f, FLT_MIN)
LATTICE(sx_red_lattice_f64, f64, double, log2, DBL_MIN)

/* The learning step's score (infomorphic_core.gradient.closed_form_gradient), fused: for R runs of
 * N samples of K neurons (theta, bin_r, bin_c, da_dr, da_dc: [R][N][K], contiguous) it builds
 * each neuron's θ-weighted joint p(r̃, c̃, y) (p[R][K][n_r][n_c][2], bit for bit as
 * estimate.theta_joint: θ clipped to [lo, hi], summed in sample order), the score F(r̃, c̃) of
 * the goal whose classical coefficients are coef[R][5] = (a_R, a_C, a_RC, a_red, a_H) (as
 * gradient.pid_score), and each sample's F / N · θ(1 − θ) · 1[lo < θ < hi] · ∂A/∂r (f_r) and
 * · ∂A/∂c (f_c). The score takes the eager path's operations in its order and precision, so that
 * the two differ only where the eager path's sums run in another order and in the last bit of
 * a logarithm, as between two of PyTorch's CPU math paths.
 * With f_r NULL only the joints are built (da_dr, da_dc, coef are not read).
 * work: 3·K·n_r·n_c + 5·(n_r + n_c) values of T. Returns the number of bins outside the grid
 * (then nothing is written). */
#define STEP(NAME, T, LOG2, TINY)                                                                \
    static inline T NAME##_odds(T x0, T x1) {                                                  \
        return LOG2(x1 < TINY ? TINY : x1) - LOG2(x0 < TINY ? TINY : x0);                      \
    }                                                                                          \
    /* the same, never vectorised: a loop over rows would otherwise take libmvec's logarithms, \
       whose last bit differs from the scalar ones the cells use */                           \
    __attribute__((noinline)) static T NAME##_odds1(T x0, T x1) { return NAME##_odds(x0, x1); } \
    int64_t NAME(const T *restrict theta, const int64_t *restrict bin_r, const int64_t *restrict bin_c, \
              const T *restrict da_dr, const T *restrict da_dc, int64_t R, int64_t N, int64_t K, \
              int64_t n_r, int64_t n_c, const double *restrict coef, T lo, T hi, T *restrict p,  \
              T *restrict f_r, T *restrict f_c, T *restrict work) {                             \
        const int64_t cells = n_r * n_c, NK = N * K;                                           \
        const T tiny = TINY, ln2 = (T)0.69314718055994530942, n = (T)N, share = (T)1 / (T)N;   \
        T *hist = work, *score = work + 2 * K * cells, *qr = score + K * cells;                 \
        T *qc = qr + 2 * n_r, *ry = qc + 2 * n_c, *cy = ry + 2 * n_r, *orow = cy + 2 * n_c;     \
        T *ocol = orow + n_r;                                                                  \
        int64_t bad = 0;                                                                       \
        for (int64_t i = 0; i < R * NK; i++)                                                   \
            bad += (bin_r[i] < 0) | (bin_r[i] >= n_r) | (bin_c[i] < 0) | (bin_c[i] >= n_c);    \
        if (bad) return bad;                                                                   \
        for (int64_t r = 0; r < R; r++) {                                                      \
            const int64_t off = r * NK;                                                        \
            for (int64_t i = 0; i < 2 * K * cells; i++) hist[i] = 0;                           \
            for (int64_t s = 0; s < N; s++)                                                    \
                for (int64_t k = 0; k < K; k++) {                                              \
                    int64_t i = off + s * K + k;                                               \
                    T t = theta[i] < lo ? lo : (theta[i] > hi ? hi : theta[i]);                \
                    T *h = hist + 2 * (k * cells + bin_r[i] * n_c + bin_c[i]);                 \
                    h[0] += share;                                                             \
                    h[1] += t / n;                                                             \
                }                                                                              \
            for (int64_t k = 0; k < K; k++) {                                                  \
                T *pk = p + (r * K + k) * 2 * cells;                                           \
                const T *h = hist + 2 * k * cells;                                             \
                for (int64_t c = 0; c < cells; c++) {                                          \
                    T rest = h[2 * c] - h[2 * c + 1];                                          \
                    pk[2 * c] = rest < 0 ? 0 : rest;                                           \
                    pk[2 * c + 1] = h[2 * c + 1];                                              \
                }                                                                              \
            }                                                                                  \
            if (!f_r) continue;                                                                \
            T a[5];                                                                            \
            for (int j = 0; j < 5; j++) a[j] = (T)coef[5 * r + j];                             \
            for (int64_t k = 0; k < K; k++) {                                                  \
                const T *pk = p + (r * K + k) * 2 * cells;                                     \
                T *sk = score + k * cells;                                                     \
                T y0 = 0, y1 = 0;                                                              \
                for (int64_t i = 0; i < 2 * (n_r + n_c); i++) ry[i] = qr[i] = 0;               \
                for (int64_t c = 0; c < cells; c++) {                                          \
                    T v0 = pk[2 * c], v1 = pk[2 * c + 1];                                      \
                    int64_t i = c / n_c, j = c % n_c;                                          \
                    ry[2 * i] += v0, ry[2 * i + 1] += v1, cy[2 * j] += v0, cy[2 * j + 1] += v1; \
                    y0 += v0, y1 += v1;                                                        \
                }                                                                              \
                const T base = NAME##_odds(y0, y1);                                            \
                /* a cell no sample fell into adds 0 to the q sums, and no sample reads its score */ \
                const T *count = hist + 2 * k * cells;                                         \
                for (int64_t c = 0; c < cells; c++) { /* q = p / p(union): row and column sums */ \
                    if (count[2 * c] == 0) continue;                                           \
                    int64_t i = c / n_c, j = c % n_c;                                          \
                    for (int y = 0; y < 2; y++) {                                              \
                        T u = ry[2 * i + y] + cy[2 * j + y] - pk[2 * c + y];                   \
                        T q = pk[2 * c + y] / (u < tiny ? tiny : u);                           \
                        qr[2 * i + y] += q, qc[2 * j + y] += q;                                \
                    }                                                                          \
                }                                                                              \
                if (a[0] != 0)                                                                 \
                    for (int64_t i = 0; i < n_r; i++) orow[i] = NAME##_odds1(ry[2 * i], ry[2 * i + 1]) - base; \
                if (a[1] != 0)                                                                 \
                    for (int64_t j = 0; j < n_c; j++) ocol[j] = NAME##_odds1(cy[2 * j], cy[2 * j + 1]) - base; \
                for (int64_t c = 0; c < cells; c++) {                                          \
                    if (count[2 * c] == 0) continue;                                           \
                    int64_t i = c / n_c, j = c % n_c;                                          \
                    T v0 = pk[2 * c], v1 = pk[2 * c + 1], f = 0;                               \
                    if (a[0] != 0) f = f + a[0] * orow[i];                                     \
                    if (a[1] != 0) f = f + a[1] * ocol[j];                                     \
                    if (a[2] != 0) f = f + a[2] * (NAME##_odds(v0, v1) - base);                \
                    if (a[3] != 0) {                                                           \
                        T u0 = ry[2 * i] + cy[2 * j] - v0, u1 = ry[2 * i + 1] + cy[2 * j + 1] - v1; \
                        T s0 = qr[2 * i] + qc[2 * j] - v0 / (u0 < tiny ? tiny : u0);           \
                        T s1 = qr[2 * i + 1] + qc[2 * j + 1] - v1 / (u1 < tiny ? tiny : u1);   \
                        f = f + a[3] * (NAME##_odds(u0, u1) - base + (s1 - s0) / ln2);         \
                    }                                                                          \
                    if (a[4] != 0) f = f + a[4] * -base;                                       \
                    sk[c] = f / n;                                                             \
                }                                                                              \
            }                                                                                  \
            for (int64_t s = 0; s < N; s++)                                                    \
                for (int64_t k = 0; k < K; k++) {                                              \
                    int64_t i = off + s * K + k;                                               \
                    T t = theta[i], f = t * (1 - t);                                           \
                    f = (t > lo && t < hi) ? f * score[k * cells + bin_r[i] * n_c + bin_c[i]] : 0; \
                    f_r[i] = f * da_dr[i];                                                     \
                    f_c[i] = f * da_dc[i];                                                     \
                }                                                                              \
        }                                                                                      \
        return 0;                                                                              \
    }

STEP(score_step_f32, float, log2f, FLT_MIN)
STEP(score_step_f64, double, log2, DBL_MIN)

/* Each sample's score ∂G/∂θ_n of a goal G = Σ_α c_α I∩(α) + c_H H(Y) over the redundancies of a
 * lattice evaluated at the samples, as infomorphic_core.three_source.goal_score computes it. The
 * tables are the neurons of a layer's tensors [R][B][inner] (sample-major, as the layer computes
 * them; inner = 1 for tables [R][B]): table t = r·inner + k holds entries (r, ·, k). This call
 * takes tables t0 ≤ t < t1 of theta (clipped) and of the bins of each source (bin[j], n_src ≤ 3),
 * and writes out at the same entries. members[n_sets][n_src] (0/1): the source sets whose
 * marginals enter a union; signs[n_nodes][n_sets] each node's union as a signed sum of them;
 * coef[n_nodes] the c_α, and c_h. work: 2·(cells of all sets) values of T, zero on entry and left
 * zero, then (4·n_sets + 6)·B; code: n_sets·B. A set's histogram is touched only at the samples'
 * cells (a few hundred of a three-source neuron's 8,000), so it is cleared by the samples, not by a
 * pass over the table. Returns the number of bin indices outside their source's range (then
 * nothing is computed). */
#define SCORE_SAMPLES(NAME, T, LOG2, TINY)                                                       \
    int64_t NAME(const T *restrict theta, const int64_t *restrict bin0, const int64_t *restrict bin1, \
              const int64_t *restrict bin2, int64_t t0, int64_t t1, int64_t B, int64_t inner,   \
              int64_t n_src, const int64_t *restrict n_bins, int64_t n_sets,                   \
              const int64_t *restrict members, int64_t n_nodes, const T *restrict signs,       \
              const T *restrict coef, T c_h, T *restrict out, T *restrict work,                \
              int64_t *restrict code) {                                                        \
        const T tiny = TINY, n = (T)B, ln2 = (T)0.69314718055994530942;                        \
        const int64_t *bins[3] = {bin0, bin1, bin2};                                           \
        int64_t offset[8], stride[8][3], total = 0, bad = 0;                                   \
        if (n_sets > 8 || n_src > 3) return -1;                                                \
        for (int64_t s = 0; s < n_sets; s++) {                                                 \
            int64_t size = 1;                                                                  \
            for (int64_t j = n_src - 1; j >= 0; j--) {                                         \
                stride[s][j] = members[s * n_src + j] ? size : 0;                              \
                size *= members[s * n_src + j] ? n_bins[j] : 1;                                \
            }                                                                                  \
            offset[s] = total;                                                                 \
            total += size;                                                                     \
        }                                                                                      \
        for (int64_t t = t0; t < t1; t++) {                                                    \
            const int64_t at = (t / inner) * B * inner + t % inner;                            \
            for (int64_t j = 0; j < n_src; j++)                                                \
                for (int64_t i = 0; i < B; i++) {                                              \
                    int64_t b = bins[j][at + i * inner];                                       \
                    bad += (b < 0) | (b >= n_bins[j]);                                         \
                }                                                                              \
        }                                                                                      \
        if (bad) return bad;                                                                   \
        T *hist = work, *m0 = hist + 2 * total, *m1 = m0 + n_sets * B, *z0 = m1 + n_sets * B;  \
        T *z1 = z0 + n_sets * B, *u0 = z1 + n_sets * B, *u1 = u0 + B, *q0 = u1 + B, *q1 = q0 + B; \
        T *direct = q1 + B, *th = direct + B;                                                  \
        for (int64_t t = t0; t < t1; t++) {                                                    \
            const int64_t at = (t / inner) * B * inner + t % inner;                            \
            for (int64_t i = 0; i < B; i++) th[i] = theta[at + i * inner];                     \
            for (int64_t i = 0; i < B; i++) {                                                  \
                int64_t b[3] = {0, 0, 0};                                                      \
                for (int64_t j = 0; j < n_src; j++) b[j] = bins[j][at + i * inner];            \
                for (int64_t s = 0; s < n_sets; s++)                                           \
                    code[s * B + i] = offset[s] + stride[s][0] * b[0] + stride[s][1] * b[1] + stride[s][2] * b[2]; \
            }                                                                                  \
            /* the sets' marginals M_s(n, t) = (1/B) Σ_{m ~_s n} w_m(t), looked up at the samples */ \
            for (int64_t s = 0; s < n_sets; s++)                                               \
                for (int64_t i = 0; i < B; i++) {                                              \
                    T *h = hist + 2 * code[s * B + i];                                         \
                    h[0] += (1 - th[i]) / n;                                                   \
                    h[1] += th[i] / n;                                                         \
                }                                                                              \
            for (int64_t s = 0; s < n_sets; s++)                                               \
                for (int64_t i = 0; i < B; i++) {                                              \
                    m0[s * B + i] = hist[2 * code[s * B + i]];                                 \
                    m1[s * B + i] = hist[2 * code[s * B + i] + 1];                             \
                }                                                                              \
            for (int64_t s = 0; s < n_sets; s++)                                               \
                for (int64_t i = 0; i < B; i++) hist[2 * code[s * B + i]] = hist[2 * code[s * B + i] + 1] = 0; \
            double p0 = 0, p1 = 0;                                                             \
            for (int64_t i = 0; i < B; i++) {                                                  \
                direct[i] = 0;                                                                 \
                p0 += 1 - th[i], p1 += th[i];                                                  \
            }                                                                                  \
            for (int64_t i = 0; i < 2 * n_sets * B; i++) z0[i] = 0; /* z0 and z1 */           \
            T c_sum = 0;                                                                       \
            for (int64_t a = 0; a < n_nodes; a++) {                                            \
                const T ca = coef[a], *g = signs + a * n_sets;                                 \
                c_sum += ca;                                                                   \
                if (ca == 0) continue;                                                         \
                for (int64_t i = 0; i < B; i++) u0[i] = u1[i] = 0;                             \
                for (int64_t s = 0; s < n_sets; s++) {                                         \
                    if (g[s] == 0) continue;                                                   \
                    const T gs = g[s], *a0 = m0 + s * B, *a1 = m1 + s * B;                     \
                    _Pragma("omp simd") for (int64_t i = 0; i < B; i++) {                      \
                        u0[i] += gs * a0[i];                                                   \
                        u1[i] += gs * a1[i];                                                   \
                    }                                                                          \
                }                                                                              \
                _Pragma("omp simd") for (int64_t i = 0; i < B; i++) {                          \
                    T v0 = u0[i] < tiny ? tiny : u0[i], v1 = u1[i] < tiny ? tiny : u1[i];      \
                    direct[i] += ca * (LOG2(v1) - LOG2(v0));                                   \
                    q0[i] = (1 - th[i]) / v0 * ca;                                             \
                    q1[i] = th[i] / v1 * ca;                                                   \
                }                                                                              \
                for (int64_t s = 0; s < n_sets; s++) {                                         \
                    if (g[s] == 0) continue;                                                   \
                    const T gs = g[s];                                                         \
                    T *y0 = z0 + s * B, *y1 = z1 + s * B;                                      \
                    _Pragma("omp simd") for (int64_t i = 0; i < B; i++) {                      \
                        y0[i] += gs * q0[i];                                                   \
                        y1[i] += gs * q1[i];                                                   \
                    }                                                                          \
                }                                                                              \
            }                                                                                  \
            /* Σ_s Σ_{m ~_s n} z_s(m, t): the same histograms, summing z instead of w */      \
            for (int64_t s = 0; s < n_sets; s++)                                               \
                for (int64_t i = 0; i < B; i++) {                                              \
                    T *h = hist + 2 * code[s * B + i];                                         \
                    h[0] += z0[s * B + i];                                                     \
                    h[1] += z1[s * B + i];                                                     \
                }                                                                              \
            T *spread = u0;                                                                    \
            for (int64_t i = 0; i < B; i++) spread[i] = 0;                                     \
            for (int64_t s = 0; s < n_sets; s++)                                               \
                for (int64_t i = 0; i < B; i++) {                                              \
                    const T *h = hist + 2 * code[s * B + i];                                   \
                    spread[i] += h[1] - h[0];                                                  \
                }                                                                              \
            for (int64_t s = 0; s < n_sets; s++)                                               \
                for (int64_t i = 0; i < B; i++) hist[2 * code[s * B + i]] = hist[2 * code[s * B + i] + 1] = 0; \
            T e0 = (T)(p0 / B), e1 = (T)(p1 / B);                                              \
            const T h = (c_sum + c_h) * (LOG2(e1 < tiny ? tiny : e1) - LOG2(e0 < tiny ? tiny : e0)); \
            for (int64_t i = 0; i < B; i++) out[at + i * inner] = (direct[i] + spread[i] / (n * ln2) - h) / n; \
        }                                                                                      \
        return 0;                                                                              \
    }

SCORE_SAMPLES(score_samples_f32, float, log2f, FLT_MIN)
SCORE_SAMPLES(score_samples_f64, double, log2, DBL_MIN)

/* Bin indices of x[R][N][K] (contiguous) per run and neuron k, with exactly the float arithmetic of
 * estimate.Binning.indices: method 0 "adaptive" (x / max|x| on [-1, 1]), 1 "minmax" (the
 * minibatch's range per neuron), 2 "fixed" (x - low) / width. work: 2·K values of T. Returns the
 * number of entries whose position is NaN (from a NaN or infinite x; their index is 0). */
#define BINS(NAME, T, FLOOR)                                                                     \
    int64_t NAME(const T *restrict x, int64_t R, int64_t N, int64_t K, int64_t method, int64_t n_bins, T low, \
              T width, int64_t *restrict out, T *restrict work) {                               \
        T *lo = work, *span = work + K;                                                        \
        int64_t nan = 0;                                                                       \
        const T n = (T)n_bins, top = (T)(n_bins - 1);                                          \
        for (int64_t r = 0; r < R; r++) {                                                      \
            const T *xr = x + r * N * K;                                                       \
            int64_t *o = out + r * N * K;                                                      \
            if (method == 2) {                                                                 \
                for (int64_t k = 0; k < K; k++) lo[k] = low, span[k] = width;                  \
            } else {                                                                           \
                T *hi = span;                                                                  \
                for (int64_t k = 0; k < K; k++) lo[k] = hi[k] = xr[k];                         \
                for (int64_t i = 0; i < N; i++)                                                \
                    for (int64_t k = 0; k < K; k++) {                                          \
                        T v = xr[i * K + k];                                                   \
                        lo[k] = v < lo[k] ? v : lo[k];                                         \
                        hi[k] = v > hi[k] ? v : hi[k];                                         \
                    }                                                                          \
                for (int64_t k = 0; k < K; k++)                                                \
                    if (method == 0) { /* x / scale − (−1) over the width 2 */                   \
                        T scale = -lo[k] > hi[k] ? -lo[k] : hi[k];                             \
                        lo[k] = scale > 0 ? scale : 1;                                         \
                    } else {                                                                   \
                        span[k] = (hi[k] > lo[k] ? hi[k] : lo[k] + 1) - lo[k];                 \
                    }                                                                          \
            }                                                                                  \
            for (int64_t i = 0; i < N; i++)                                                    \
                for (int64_t k = 0; k < K; k++) {                                              \
                    T v = xr[i * K + k];                                                       \
                    v = method == 0 ? (v / lo[k] + 1) / 2 : (v - lo[k]) / span[k];             \
                    v = FLOOR(v * n);                                                          \
                    nan += v != v;                                                             \
                    v = v < 0 ? 0 : (v > top ? top : v);                                       \
                    o[i * K + k] = v == v ? (int64_t)v : 0;                                    \
                }                                                                              \
        }                                                                                      \
        return nan;                                                                            \
    }

BINS(bins_f32, float, floorf)
BINS(bins_f64, double, floor)

/* One step of the memory test's deterministic dynamics (infomorphic_core.tasks.
 * hopfield.settle), for P patterns of n units (field, state, previous: [P][n],
 * contiguous; done: [P], bool): each pattern not yet done takes s ← sign(field), keeping s_i
 * where field_i is 0 (or NaN), and is done when the new state equals the old one (a fixed
 * point) or, after the first step, the one before (a closed 2-cycle); previous then holds the
 * old state. The states are ±1, so the step is exact. Returns the number of patterns not done. */
#define SETTLE(NAME, T)                                                                          \
    int64_t NAME(const T *restrict field, T *restrict state, T *restrict previous,             \
              unsigned char *restrict done, int64_t P, int64_t n, int64_t first) {             \
        int64_t moving = 0;                                                                    \
        for (int64_t k = 0; k < P; k++) {                                                      \
            if (done[k]) continue;                                                             \
            const T *f = field + k * n;                                                        \
            T *s = state + k * n, *q = previous + k * n;                                       \
            int same = 1, back = 1;                                                            \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = f[i] > 0 ? (T)1 : (f[i] < 0 ? (T)-1 : s[i]);                             \
                same &= v == s[i];                                                             \
                back &= v == q[i];                                                             \
                q[i] = s[i];                                                                   \
                s[i] = v;                                                                      \
            }                                                                                  \
            done[k] = same | (back & !first);                                                  \
            moving += !done[k];                                                                \
        }                                                                                      \
        return moving;                                                                         \
    }

SETTLE(settle_step_f32, float)
SETTLE(settle_step_f64, double)

/* The minover rule (infomorphic_core.hopfield.krauth_mezard) for R runs of n neurons and m
 * patterns: xi[R][n][m] = ξ_i^μ, overlap[R][m][m] = Q_μν; for each neuron, ``iterations``
 * times, the first pattern of least field gets one more count and every field changes by
 * ξ_i^ν ξ_i^μ* Q_μ*ν − 1. counts: [R][n][m]; work: m values. Fields and counts are integers
 * (exact in float below 2^24), so this is the eager loop's result exactly. */
#define MINOVER(NAME, T)                                                                         \
    void NAME(const T *restrict xi, const T *restrict overlap, int64_t R, int64_t n, int64_t m, \
              int64_t iterations, T *restrict counts, T *restrict field) {                     \
        for (int64_t r = 0; r < R; r++)                                                        \
            for (int64_t i = 0; i < n; i++) {                                                  \
                const T *x = xi + (r * n + i) * m;                                             \
                T *c = counts + (r * n + i) * m;                                               \
                for (int64_t k = 0; k < m; k++) field[k] = 0, c[k] = 0;                        \
                T low = 0; /* the least field, kept by the update's pass */                    \
                for (int64_t t = 0; t < iterations; t++) {                                     \
                    int64_t worst = 0;                                                         \
                    while (field[worst] != low) worst++;                                       \
                    c[worst] += 1;                                                             \
                    const T *q = overlap + (r * m + worst) * m;                                \
                    const T s = x[worst];                                                      \
                    low = INFINITY;                                                            \
                    _Pragma("omp simd reduction(min : low)") for (int64_t k = 0; k < m; k++) { \
                        field[k] += s * x[k] * q[k] - 1;                                       \
                        low = field[k] < low ? field[k] : low;                                 \
                    }                                                                          \
                }                                                                              \
            }                                                                                  \
    }

MINOVER(minover_f32, float)
MINOVER(minover_f64, double)
