/* Bivariate sx-PID of joint pmfs p[n][n1][n2][nt] (contiguous), one table at a time.
 *
 * The same formulas as infomorphic_core.pid.sx_pid, fused: each table is read from memory once,
 * transposed target-major into a small buffer that stays in the CPU cache, and every marginal,
 * union probability and logarithm is taken there, with vectorised logarithms (glibc's libmvec).
 * Sums are accumulated in double, also for float tables. Compiled on first use by
 * infomorphic_core.fused. out[b] = (unq_R, unq_C, red, syn, res) in bits, then the table's total
 * and its smallest entry (for the input checks).
 */
#include <float.h>
#include <math.h>

#pragma omp declare simd notinbranch
float log2f(float);
#pragma omp declare simd notinbranch
double log2(double);

/* clamping at the smallest normal number only changes cells of zero probability, whose log is
   always weighted by a zero (as in the eager path) */
#define KERNEL(NAME, T, LOG2, TINY)                                                              \
    static double NAME##_xlogx(const T *restrict x, long n) {                                  \
        double s = 0;                                                                          \
        _Pragma("omp simd reduction(+ : s)") for (long k = 0; k < n; k++) {                     \
            T u = x[k] < TINY ? TINY : x[k];                                                   \
            s += x[k] * LOG2(u);                                                               \
        }                                                                                      \
        return s;                                                                              \
    }                                                                                          \
    void NAME(const T *restrict p, long n, long n1, long n2, long nt, T *restrict out,         \
              T *restrict work) {                                                              \
        long m = n1 * n2, size = m * nt;                                                       \
        T *qt = work, *u = qt + size, *s12 = u + size, *u12 = s12 + m, *s1t = u12 + m,          \
          *s2t = s1t + n1 * nt, *s1 = s2t + n2 * nt, *s2 = s1 + n1, *pt = s2 + n2;             \
        for (long b = 0; b < n; b++) {                                                         \
            const T *q = p + b * size;                                                         \
            T low = q[0];                                                                      \
            for (long t = 0; t < nt; t++) { /* qt[t][i][j] = q[i][j][t] */                     \
                T *x = qt + t * m;                                                             \
                _Pragma("omp simd reduction(min : low)") for (long k = 0; k < m; k++) {        \
                    x[k] = q[k * nt + t];                                                      \
                    low = x[k] < low ? x[k] : low;                                             \
                }                                                                              \
            }                                                                                  \
            _Pragma("omp simd") for (long k = 0; k < m; k++) s12[k] = qt[k];                   \
            for (long t = 1; t < nt; t++) {                                                    \
                _Pragma("omp simd") for (long k = 0; k < m; k++) s12[k] += qt[t * m + k];      \
            }                                                                                  \
            for (long t = 0; t < nt; t++) {                                                    \
                T *x = qt + t * m, *c = s2t + t * n2;                                          \
                for (long j = 0; j < n2; j++) c[j] = 0;                                        \
                pt[t] = 0;                                                                     \
                for (long i = 0; i < n1; i++) {                                                \
                    T s = 0;                                                                   \
                    _Pragma("omp simd reduction(+ : s)") for (long j = 0; j < n2; j++) {       \
                        s += x[i * n2 + j];                                                    \
                        c[j] += x[i * n2 + j];                                                 \
                    }                                                                          \
                    s1t[t * n1 + i] = s;                                                       \
                    pt[t] += s;                                                                \
                }                                                                              \
            }                                                                                  \
            for (long j = 0; j < n2; j++) s2[j] = 0;                                           \
            for (long i = 0; i < n1; i++) {                                                    \
                T s = 0;                                                                       \
                _Pragma("omp simd reduction(+ : s)") for (long j = 0; j < n2; j++) {           \
                    s += s12[i * n2 + j];                                                      \
                    s2[j] += s12[i * n2 + j];                                                  \
                }                                                                              \
                s1[i] = s;                                                                     \
            }                                                                                  \
            /* union probabilities by inclusion-exclusion: P(t ∧ (s1 ∨ s2)), P(s1 ∨ s2) */     \
            for (long t = 0; t < nt; t++)                                                      \
                for (long i = 0; i < n1; i++) {                                                \
                    T a = s1t[t * n1 + i], *x = qt + t * m + i * n2, *y = u + t * m + i * n2,   \
                      *c = s2t + t * n2;                                                       \
                    _Pragma("omp simd") for (long j = 0; j < n2; j++) y[j] = a + c[j] - x[j];  \
                }                                                                              \
            for (long i = 0; i < n1; i++) {                                                    \
                T a = s1[i], *x = s12 + i * n2, *y = u12 + i * n2;                             \
                _Pragma("omp simd") for (long j = 0; j < n2; j++) y[j] = a + s2[j] - x[j];     \
            }                                                                                  \
            double h_12t = 0, e_ut = 0, e_u = 0;                                               \
            _Pragma("omp simd reduction(+ : h_12t, e_ut)") for (long k = 0; k < size; k++) {   \
                T v = qt[k] < TINY ? TINY : qt[k], w = u[k] < TINY ? TINY : u[k];              \
                h_12t -= qt[k] * LOG2(v);                                                      \
                e_ut += qt[k] * LOG2(w);                                                       \
            }                                                                                  \
            _Pragma("omp simd reduction(+ : e_u)") for (long k = 0; k < m; k++) {              \
                T w = u12[k] < TINY ? TINY : u12[k];                                           \
                e_u += s12[k] * LOG2(w);                                                       \
            }                                                                                  \
            double h_t = -NAME##_xlogx(pt, nt), h_1 = -NAME##_xlogx(s1, n1),                   \
                   h_2 = -NAME##_xlogx(s2, n2), h_12 = -NAME##_xlogx(s12, m),                  \
                   h_1t = -NAME##_xlogx(s1t, n1 * nt), h_2t = -NAME##_xlogx(s2t, n2 * nt);     \
            double mi_1 = h_1 + h_t - h_1t, mi_2 = h_2 + h_t - h_2t, mi_12 = h_12 + h_t - h_12t; \
            double red = e_ut + h_t - e_u;                                                     \
            double total = 0;                                                                  \
            for (long t = 0; t < nt; t++) total += pt[t];                                      \
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

KERNEL(sx_pid_f32, float, log2f, FLT_MIN)
KERNEL(sx_pid_f64, double, log2, DBL_MIN)
