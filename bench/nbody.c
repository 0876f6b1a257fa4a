/* The n-body benchmark, the same algorithm as nbody.dusk: parallel arrays, Newton square root. */
#include <stdio.h>
#include <stdint.h>

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

static void advance(double dt, int64_t n, double *x, double *y, double *z, double *vx, double *vy, double *vz, double *m) {
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = i + 1; j < n; j++) {
            double dx = x[i] - x[j];
            double dy = y[i] - y[j];
            double dz = z[i] - z[j];
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * newton_sqrt(d2));
            double mi = m[i] * mag;
            double mj = m[j] * mag;
            vx[i] -= dx * mj;
            vy[i] -= dy * mj;
            vz[i] -= dz * mj;
            vx[j] += dx * mi;
            vy[j] += dy * mi;
            vz[j] += dz * mi;
        }
    }
    for (int64_t i = 0; i < n; i++) {
        x[i] += dt * vx[i];
        y[i] += dt * vy[i];
        z[i] += dt * vz[i];
    }
}

static double energy(int64_t n, double *x, double *y, double *z, double *vx, double *vy, double *vz, double *m) {
    double e = 0.0;
    for (int64_t i = 0; i < n; i++) {
        e += 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
        for (int64_t j = i + 1; j < n; j++) {
            double dx = x[i] - x[j];
            double dy = y[i] - y[j];
            double dz = z[i] - z[j];
            e -= m[i] * m[j] / newton_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

int main(void) {
    int64_t steps = 1000000;
    double pi = 3.141592653589793;
    double solar_mass = 4.0 * pi * pi;
    double days_per_year = 365.24;
    double x[5] = {0.0, 4.841431442464721, 8.34336671824458, 12.894369562139131, 15.379697114850917};
    double y[5] = {0.0, -1.1603200440274284, 4.124798564124305, -15.111151401698631, -25.919314609987964};
    double z[5] = {0.0, -0.10362204447112311, -0.4035234171143214, -0.22330757889265573, 0.17925877295037118};
    double vx[5] = {0.0, 0.001660076642744037, -0.002767425107268624, 0.002964601375647616, 0.0026806777249038932};
    double vy[5] = {0.0, 0.007699011184197404, 0.004998528012349172, 0.0023784717395948095, 0.001628241700382423};
    double vz[5] = {0.0, -0.0000690460016972063, 0.000023041729757376393, -0.000029658956854023756, -0.00009515922545197159};
    double m[5] = {1.0, 0.0009547919384243266, 0.0002858859806661308, 0.00004366244043351563, 0.000051513890204661145};
    for (int i = 0; i < 5; i++) {
        vx[i] *= days_per_year;
        vy[i] *= days_per_year;
        vz[i] *= days_per_year;
        m[i] *= solar_mass;
    }
    double px = 0.0, py = 0.0, pz = 0.0;
    for (int i = 0; i < 5; i++) {
        px += vx[i] * m[i];
        py += vy[i] * m[i];
        pz += vz[i] * m[i];
    }
    vx[0] = -px / solar_mass;
    vy[0] = -py / solar_mass;
    vz[0] = -pz / solar_mass;

    double e0 = energy(5, x, y, z, vx, vy, vz, m);
    for (int64_t s = 0; s < steps; s++)
        advance(0.01, 5, x, y, z, vx, vy, vz, m);
    double e1 = energy(5, x, y, z, vx, vy, vz, m);
    printf("energy before %g after %g\n", e0, e1);
    printf("energy x 1e12 before %lld after %lld\n", (long long)(e0 * 1000000000000.0), (long long)(e1 * 1000000000000.0));
    return 0;
}
