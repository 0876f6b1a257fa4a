/* Segmented sieve of Eratosthenes over odd numbers, one bit per number: counts the primes
 * below N. Same shape as sieve.dusk: a 64 x 64 array of 64-bit words per segment. */
#include <stdio.h>
#include <stdint.h>

int main(void) {
    int64_t limit = 200000000;
    int64_t r = 1;
    while ((r + 1) * (r + 1) <= limit)
        r += 1;
    int64_t primes[128][32] = {{0}};
    int64_t np = 0;
    for (int64_t c = 3; c <= r; c += 2) {
        int is_prime = 1;
        for (int64_t k = 0; k < np; k++) {
            int64_t p = primes[k >> 5][k & 31];
            if (p * p > c)
                break;
            if (c % p == 0) {
                is_prime = 0;
                break;
            }
        }
        if (is_prime) {
            primes[np >> 5][np & 31] = c;
            np += 1;
        }
    }

    uint64_t seg[64][64];
    int64_t seg_bits = 262144;
    int64_t count = 1;
    int64_t lo = 1;
    while (lo < limit) {
        int64_t hi = lo + 2 * seg_bits;
        for (int64_t w = 0; w < 4096; w++)
            seg[w >> 6][w & 63] = 0;
        for (int64_t k = 0; k < np; k++) {
            int64_t p = primes[k >> 5][k & 31];
            int64_t m = (lo + p - 1) / p * p;
            if (m % 2 == 0)
                m += p;
            if (m < p * p)
                m = p * p;
            int64_t step = 2 * p;
            while (m < hi) {
                int64_t b = (m - lo) >> 1;
                seg[b >> 12][(b >> 6) & 63] |= (uint64_t)1 << (uint64_t)(b & 63);
                m += step;
            }
        }
        if (lo == 1)
            seg[0][0] |= 1;
        int64_t nbits = seg_bits;
        if (hi > limit)
            nbits = (limit - lo + 1) >> 1;
        for (int64_t w = 0; w < 4096; w++) {
            if (w * 64 < nbits) {
                uint64_t free = ~seg[w >> 6][w & 63];
                int64_t rest = nbits - w * 64;
                if (rest < 64)
                    free &= ((uint64_t)1 << (uint64_t)rest) - 1;
                while (free != 0) {
                    free &= free - 1;
                    count += 1;
                }
            }
        }
        lo = hi;
    }
    printf("primes below %lld: %lld\n", (long long)limit, (long long)count);
    return 0;
}
