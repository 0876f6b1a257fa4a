/* Mandelbrot, the same algorithm as mandelbrot.dusk: count and FNV-1a hash of the packed bits. */
#include <stdio.h>
#include <stdint.h>

static void mandelbrot(int64_t size) {
    int64_t inside = 0;
    uint64_t hash = 14695981039346656037ull;
    double fsize = (double)size;
    for (int64_t y = 0; y < size; y++) {
        double ci = 2.0 * (double)y / fsize - 1.0;
        uint64_t bits = 0;
        int64_t nbits = 0;
        for (int64_t x = 0; x < size; x++) {
            double cr = 2.0 * (double)x / fsize - 1.5;
            double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
            int64_t i = 0;
            while (i < 50 && tr + ti <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
                i += 1;
            }
            bits = bits << 1;
            if (tr + ti <= 4.0) {
                bits = bits | 1;
                inside += 1;
            }
            nbits += 1;
            if (nbits == 8) {
                hash = (hash ^ bits) * 1099511628211ull;
                bits = 0;
                nbits = 0;
            }
        }
        if (nbits > 0) {
            bits = bits << (uint64_t)(8 - nbits);
            hash = (hash ^ bits) * 1099511628211ull;
        }
    }
    printf("%lld x %lld: %lld points inside, hash %llu\n", (long long)size, (long long)size,
           (long long)inside, (unsigned long long)hash);
}

int main(void) {
    mandelbrot(1600);
    return 0;
}
