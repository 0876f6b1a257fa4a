/* The C twin of mutex.dusk: uncontended pthread_mutex lock/unlock. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
    long long n = 10000000;
    pthread_mutex_t m;
    pthread_mutex_init(&m, NULL);
    long long t0 = now_ns();
    for (long long i = 0; i < n; i++) {
        pthread_mutex_lock(&m);
        pthread_mutex_unlock(&m);
    }
    long long t1 = now_ns();
    pthread_mutex_destroy(&m);
    printf("mutex %lld %g\n", n, (double)(t1 - t0) / n);
    return 0;
}
