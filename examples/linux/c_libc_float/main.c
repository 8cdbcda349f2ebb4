/* libc_float: a glibc program (static, rv64gc: compressed code, D instructions, the FP CSRs)
   using printf of doubles, malloc, qsort, libm and stdin. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    char line[256];
    size_t n = 0, cap = 4;
    double *values = malloc(cap * sizeof *values);
    while (fgets(line, sizeof line, stdin)) {
        char *end;
        double v = strtod(line, &end);
        if (end == line) continue;
        if (n == cap) values = realloc(values, (cap *= 2) * sizeof *values);
        values[n++] = v;
    }
    qsort(values, n, sizeof *values, by_value);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += values[i];
    printf("%zu values, min %g, max %g, mean %.6f\n", n, n ? values[0] : 0.0, n ? values[n - 1] : 0.0,
           n ? sum / n : 0.0);
    printf("sqrt(2) = %.17g, exp(1) = %.15f, log(10) = %.10e\n", sqrt(2.0), exp(1.0), log(10.0));
    printf("sin(1) = %.12f, cos(1) = %.12f, atan2(1, 2) = %.12f\n", sin(1.0), cos(1.0), atan2(1.0, 2.0));
    printf("pow(1.5, 7.25) = %.12g, fma(0.1, 10, -1) = %a, cbrt(-27) = %g\n", pow(1.5, 7.25),
           fma(0.1, 10.0, -1.0), cbrt(-27.0));
    volatile double one = 1.0, three = 3.0;
    fesetround(FE_UPWARD);
    volatile double third = one / three;
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double zero = 0.0;
    volatile double q = one / zero;
    printf("1/3 rounded up = %.20f, 1/0 = %f, divbyzero flag %d\n", third, q, fetestexcept(FE_DIVBYZERO) != 0);
    float f = 16777217.0f + (float)argc;
    printf("float %.1f, (int)-3.99 = %d, lround(2.5) = %ld, nan %f\n", f, (int)-3.99, lround(2.5), nan(""));
    char *copy = strdup(argc > 1 ? argv[1] : "no arguments");
    printf("argv[1]: %s (%zu)\n", copy, strlen(copy));
    free(copy);
    free(values);
    return n == 0 ? 2 : 0;
}
