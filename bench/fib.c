/* Naive doubly recursive Fibonacci: call/return overhead and int64 add. */
#include <stdio.h>
#include <stdint.h>

static int64_t fib(int64_t n) {
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

int main(void) {
    printf("fib(39) = %lld\n", (long long)fib(39));
    return 0;
}
