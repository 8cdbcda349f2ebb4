/* The linux-profile F/D test guest: float and double arithmetic, conversions, fmin/fmax,
   sqrt, fma, the FP CSRs through <fenv.h>, and printf of doubles (musl).  Built with F and D
   (build.py); its stdout and exit status were recorded from qemu-riscv64 (expected.txt). */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static volatile double vd[] = {1.5, -2.25, 1e308, 3.0, 0.1, -0.0};
static volatile float vf[] = {1.5f, -2.25f, 3.4e38f, 3.0f, 0.1f};

static unsigned long long bits(double x) {
    union { double d; unsigned long long u; } v = {x};
    return v.u;
}

static unsigned bitsf(float x) {
    union { float f; unsigned u; } v = {x};
    return v.u;
}

int main(int argc, char **argv) {
    double a = vd[0], b = vd[1], big = vd[2], three = vd[3], tenth = vd[4], nzero = vd[5];
    float fa = vf[0], fb = vf[1], fbig = vf[2], fthree = vf[3], ftenth = vf[4];

    printf("add %.17g sub %.17g mul %.17g div %.17g\n", a + b, a - b, a * b, a / three);
    printf("addf %.9g mulf %.9g divf %.9g\n", (double)(fa + fb), (double)(fa * fb), (double)(fa / fthree));
    printf("sqrt %.17g sqrtf %.9g fma %.17g fmaf %.9g\n", sqrt(three), (double)sqrtf(fthree),
           fma(tenth, three, -0.3), (double)fmaf(ftenth, fthree, -0.3f));
    printf("fmin %g fmax %g fmin0 %016llx fmax0 %016llx fminnan %g\n", fmin(a, b), fmax(a, b),
           bits(fmin(nzero, 0.0)), bits(fmax(nzero, 0.0)), fmin(NAN, a));
    printf("overflow %g %g nan %016llx\n", big * 10.0, (double)(fbig * 10.0f), bits(big * 10.0 - big * 10.0));
    printf("cvt %d %u %lld %llu %d\n", (int)(b * 100.0), (unsigned)(a * 3.0), (long long)(-big / 1e290),
           (unsigned long long)(a * 1e18), (int)fb);
    printf("from int %.17g %.9g %.17g\n", (double)argc * 0.5, (float)(argc + 16777216), (double)(1ULL << 63));
    printf("f2d %.17g d2f %08x\n", (double)ftenth, bitsf((float)tenth));
    printf("cmp %d %d %d %d\n", a < b, a > b, a == a, NAN == NAN);
    printf("class %d %d %d\n", isnan(big * 10.0 - big * 10.0), isinf(big * 10.0), signbit(nzero) != 0);

    feclearexcept(FE_ALL_EXCEPT);
    volatile double q = tenth / three;
    printf("inexact %d divbyzero %d\n", fetestexcept(FE_INEXACT) != 0, fetestexcept(FE_DIVBYZERO) != 0);
    volatile double z = a / (three - 3.0);
    printf("div0 %g divbyzero %d\n", z, fetestexcept(FE_DIVBYZERO) != 0);
    static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
    for (int i = 0; i < 4; i++) {
        fesetround(modes[i]);
        volatile double r = vd[4] * vd[3];
        volatile float rf = vf[4] * vf[3];
        printf("round %d: %.17g %.9g %.17g %ld %d\n", fegetround() == modes[i], r, (double)rf, rint(vd[1]),
               lrint(vd[0]), (int)lrintf(vf[1]));
    }
    fesetround(FE_TONEAREST);
    (void)q;

    double sum = 0.0;
    for (int i = 1; i <= 200; i++)
        sum += 1.0 / ((double)i * i);
    printf("basel %.15f\n", sum);
    return (int)(sum * 10.0);
}
