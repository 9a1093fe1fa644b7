/* cplx.h - the complex type of the public headers, one type in C and in C++.
 *
 * C's double complex and C++'s std::complex<double> have the same layout (two doubles, real part
 * first; C++11 [complex.numbers]), so a C++ program passes and reads the same arrays the library
 * works on. Included outside the headers' extern "C" blocks (<complex> is C++).
 */
#ifndef PAM4SIM_CPLX_H
#define PAM4SIM_CPLX_H
#ifdef __cplusplus
#include <complex>
typedef std::complex<double> p4_complex;
#else
#include <complex.h>
typedef double complex p4_complex;
#endif
#endif
