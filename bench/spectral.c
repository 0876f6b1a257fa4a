/* Spectral norm, the same algorithm as spectral.dusk (n = 2000, ten power steps, Newton sqrt). */
#include <stdio.h>
#include <stdint.h>

#define N 2000

static double newton_sqrt(double x) {
    if (x <= 0.0)
        return 0.0;
    double g = (x + 1.0) * 0.5;
    for (;;) {
        double ng = 0.5 * (g + x / g);
        if (ng >= g)
            break;
        g = ng;
    }
    return g;
}

static double eval_a(int64_t i, int64_t j) {
    return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

static void mul_av(int64_t n, const double *v, double *out) {
    for (int64_t i = 0; i < n; i++) {
        double s = 0.0;
        for (int64_t j = 0; j < n; j++)
            s += eval_a(i, j) * v[j];
        out[i] = s;
    }
}

static void mul_atv(int64_t n, const double *v, double *out) {
    for (int64_t i = 0; i < n; i++) {
        double s = 0.0;
        for (int64_t j = 0; j < n; j++)
            s += eval_a(j, i) * v[j];
        out[i] = s;
    }
}

static void mul_atav(int64_t n, const double *v, double *out, double *tmp) {
    mul_av(n, v, tmp);
    mul_atv(n, tmp, out);
}

int main(void) {
    static double u[N], v[N], tmp[N];
    for (int64_t i = 0; i < N; i++)
        u[i] = v[i] = tmp[i] = 1.0;
    for (int k = 0; k < 10; k++) {
        mul_atav(N, u, v, tmp);
        mul_atav(N, v, u, tmp);
    }
    double vbv = 0.0, vv = 0.0;
    for (int64_t i = 0; i < N; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    double r = newton_sqrt(vbv / vv);
    printf("%g\n", r);
    printf("x 1e9 = %lld\n", (long long)(r * 1000000000.0));
    return 0;
}
