/* A library called only through lazy stubs (tests/lazy): functions whose arguments and results use
 * every register class the stubs must keep intact on the first call: integers, floating point
 * beyond the integer registers, a variadic call, a structure returned through memory. */
#include <stdarg.h>

double dkt_mix(int a, double b, long c, float d, int e, int f, int g, int h, int i, double j) {
    return a + b + c + d + e + f + g + h + i + j;
}

int dkt_sum(int n, ...) {
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int k = 0; k < n; ++k) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

struct dkt_block {
    long x[5];
};

struct dkt_block dkt_big(long v) {
    struct dkt_block b;
    for (int k = 0; k < 5; ++k) b.x[k] = v + k;
    return b;
}

double dkt_eight(double a, double b, double c, double d, double e, double f, double g, double h) {
    return a - b + c - d + e - f + g - h;
}
