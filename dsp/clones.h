/* clones.h - P4_CLONES: a hot loop compiled twice, for AVX2 and for the build's baseline, the one
 * to run chosen once at load time by the processor (GCC's target_clones, an ifunc on glibc). A loop
 * it marks does the same operations in the same order for every element (no reassociation across
 * elements, and no FMA: "avx2" does not enable it and -std=c11 keeps contraction off), so both
 * clones give bit-identical results; only the vector width differs. Off under the sanitizers and
 * with compilers or systems without it (then the baseline alone).
 */
#ifndef P4_CLONES_H
#define P4_CLONES_H
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define P4_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define P4_CLONES
#endif
/* P4_HAVE_AVX: a function may be compiled for AVX or AVX2 by target("avx") or target("avx2") and
 * called when __builtin_cpu_supports says so (the same conditions; GCC and clang) */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define P4_HAVE_AVX 1
#include <immintrin.h>
#else
#define P4_HAVE_AVX 0
#endif
#endif
