// cxx_api.cpp - libpam4sim from C++: every public header through pam4sim.h, linked by C names.
//
//   g++ -std=c++11 cxx_api.cpp $(pkg-config --cflags --libs pam4sim) && ./a.out CA_19p75dB_thru.s4p
//
// Compiled with -Wall -Wextra -pedantic -Werror against the installed headers (tests/install.sh).
// It checks that the C and C++ complex types share their layout: the SDD21 the library writes into
// a std::vector<p4_complex> is read back with std::abs, interpolated here, and must give the loss
// the library computes itself (to 1e-9 dB) and the 19.75 dB at 26.5625 GHz the channel is named
// for (to 0.05 dB); that a link set up and run from C++ counts its bits (2 per symbol); and that
// COM from a configuration runs from C++ with the same loss at f_b/2.
#include <pam4sim/pam4sim.h>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

static int fail(const char *what)
{
    std::fprintf(stderr, "cxx_api: %s: %s\n", what, p4_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) return std::fprintf(stderr, "usage: cxx_api FILE.s4p\n"), 2;
    p4_init();
    p4_touchstone *ts = p4_touchstone_read(argv[1]);
    if (!ts) return fail("read");
    const int detect[4] = {0, 0, 0, 0};
    int order[4];
    std::vector<p4_complex> h(ts->nfreq);
    if (p4_touchstone_port_order(ts, detect, order) || p4_touchstone_sdd21(ts, order, h.data())) return fail("sdd21");
    const double f = 26.5625e9;
    size_t k = 1;
    while (k + 1 < ts->nfreq && ts->freq_hz[k] < f) k++;
    const double a = 20 * std::log10(std::abs(h[k - 1])), b = 20 * std::log10(std::abs(h[k]));
    const double il_cxx = -(a + (f - ts->freq_hz[k - 1]) / (ts->freq_hz[k] - ts->freq_hz[k - 1]) * (b - a));
    const double il_lib = -p4_interp_db(ts->freq_hz, h.data(), ts->nfreq, f);
    p4_touchstone_free(ts);
    std::printf("cxx_api: SDD21 loss at 26.5625 GHz %.4f dB (C++) %.4f dB (library)\n", il_cxx, il_lib);
    if (!(std::fabs(il_cxx - il_lib) < 1e-9) || !(std::fabs(il_cxx - 19.75) < 0.05)) return 1;

    p4_config c;
    p4_config_default(&c);
    if (p4_config_set(&c, "channel.il_nyquist_db=30") || p4_config_validate(&c)) return fail("config");
    p4_link *l = p4_link_create(&c);
    if (!l) return fail("link");
    p4_counts n;
    if (p4_link_run(l, 20000, &n)) return fail("run");
    std::printf("cxx_api: %llu symbols, %llu bits, %llu bit errors\n", (unsigned long long)n.symbols,
                (unsigned long long)n.bits, (unsigned long long)n.bit_errors);
    const bool ok = n.symbols >= 20000 && n.bits == 2 * n.symbols;
    p4_counts_free(&n);
    p4_link_destroy(l);

    /* COM (com.h) of the same file from a configuration: finite, and the thru's loss at f_b/2 the
     * library's own (both interpolated in dB, 1e-9 dB) */
    std::string kv = std::string("channel.file=") + argv[1];
    if (p4_config_set(&c, "channel.type=touchstone") || p4_config_set(&c, kv.c_str()) ||
        p4_config_set(&c, "com.params=8023ck-kr") || p4_config_set(&c, "sim.threads=1"))
        return fail("com config");
    p4_com_result r;
    if (p4_com_run_config(&c, NULL, &r)) return fail("com");
    std::printf("cxx_api: COM %.2f dB (8023ck-kr), thru IL %.4f dB at 26.5625 GHz\n", r.com_db, r.il_nyquist_db);
    return ok && std::isfinite(r.com_db) && std::fabs(r.il_nyquist_db - il_lib) < 1e-9 ? 0 : 1;
}
