/* fannkuch-redux, the same algorithm as fannkuch.dusk. */
#include <stdio.h>
#include <stdint.h>

static void fannkuch(int64_t n) {
    int64_t perm[16] = {0}, perm1[16] = {0}, count[16] = {0};
    for (int64_t i = 0; i < n; i++)
        perm1[i] = i;
    int64_t r = n, checksum = 0, max_flips = 0, perm_count = 0;
    for (;;) {
        while (r != 1) {
            count[r - 1] = r;
            r -= 1;
        }
        for (int64_t i = 0; i < n; i++)
            perm[i] = perm1[i];
        int64_t flips = 0;
        int64_t k = perm[0];
        while (k != 0) {
            int64_t i = 0, j = k;
            while (i < j) {
                int64_t t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                i += 1;
                j -= 1;
            }
            flips += 1;
            k = perm[0];
        }
        if (flips > max_flips)
            max_flips = flips;
        if (perm_count % 2 == 0)
            checksum += flips;
        else
            checksum -= flips;
        for (;;) {
            if (r == n) {
                printf("%lld\n", (long long)checksum);
                printf("Pfannkuchen(%lld) = %lld\n", (long long)n, (long long)max_flips);
                return;
            }
            int64_t perm0 = perm1[0];
            for (int64_t i = 0; i < r; i++)
                perm1[i] = perm1[i + 1];
            perm1[r] = perm0;
            count[r] -= 1;
            if (count[r] > 0)
                break;
            r += 1;
        }
        perm_count += 1;
    }
}

int main(void) {
    fannkuch(10);
    return 0;
}
