/* cli_help.c - every subcommand's one-line summary, help text and options, in one table.
 *
 * The table drives `pam4sim --help` (one line per command), `pam4sim CMD --help` (the full text),
 * the argument pass of cli_args.c (which options exist and which take a value) and the "did you
 * mean" of a misspelt command or option (suggest.h), so the help and the parser cannot disagree
 * about what a command accepts. The options shared by the simulating commands (FILE, --set,
 * --symbols, --seed, -j/--threads; cli_config in main.c) are described once, in CONFIG_OPTS.
 */
#include "cli_help.h"
#include "suggest.h"
#include "pam4sim/pam4sim.h"
#include <string.h>

#define CONFIG_OPTS                                                                                        \
    "  FILE.yaml             a configuration (keys: pam4sim config); the built-in default without it\n"   \
    "  --set key=value       override one key (repeatable; after FILE wherever it stands)\n"             \
    "  --symbols N           symbols to simulate (sim.symbols)\n"                                         \
    "  --seed S              master seed (sim.seed); the same seed gives the same result\n"               \
    "  -j N, -jN, --threads N\n"                                                                            \
    "                        worker threads (sim.threads; 0 = one per core); the result does not depend on it\n"
#define COMMON "--set=", "--symbols=", "--seed=", "-j=", "--threads="

static const char *const o_run[] = {COMMON, "--fail-on-target", "--link", "--mission", "--arch=", "--no-budget", "--json=", "--plot=", "--until-errors=", "--max-seconds=",
                                    "--checkpoint=", "--checkpoint-every=", "--resume=", NULL};
static const char *const o_stat[] = {COMMON, "--fail-on-target", "--json=", "--plot=", NULL};
static const char *const o_sweep[] = {COMMON, "--fail-on-target", "--vary=", "--engine=", "--csv=", "--json=", "--plot=", NULL};
static const char *const o_compare[] = {COMMON, "--fail-on-target", "--arch=", "--json=", "--no-budget", NULL};
static const char *const o_module[] = {COMMON, "--json=", "--arch=", "--lane=", "--population=", "--exact", NULL};
static const char *const o_com[] = {"--fext=", "--next=", "--params=", "--json=", "--plot=", "-j=", NULL};
static const char *const o_jtol[] = {COMMON, "--freqs-mhz=", "--json=", NULL};
static const char *const o_sens[] = {COMMON, "--step=", "--json=", NULL};
static const char *const o_tdecq[] = {COMMON, "--json=", NULL};
static const char *const o_channel[] = {"--json", "--port-order=", "--baud-gbd=", "--passivity-tol=", NULL};
static const char *const o_prbs[] = {"--symbols=", NULL};
static const char *const o_none[] = {NULL};
static const char *const o_config[] = {"--set=", NULL};
static const char *const o_wisdom[] = {"--out=", "--max-size=", NULL};
static const char *const o_vectors[] = {"--block=", "--out=", "--channels=", "--config=", "--seed=",
                                        "-j=", "--threads=", NULL};

static const cli_command commands[] = {
    {"run", "with no argument the mission (DSP-retimed vs LPO, host to host); with FILE or options, one link symbol by symbol",
     "usage: pam4sim [run]                       the mission, as it ships\n"
     "       pam4sim [run] --mission [--arch retimed,lpo,...] [--no-budget] [--set key=value]... [--symbols N] [-j N] [--json OUT]\n"
     "       pam4sim [run] [FILE.yaml] [--set key=value]... [--symbols N] [--seed S] [-j N]\n"
     "                     [--json OUT] [--plot DIR] [--until-errors N] [--max-seconds S]\n"
     "                     [--checkpoint FILE [--checkpoint-every UNITS]] [--resume FILE]\n"
     "  mpirun -np N pam4sim run [FILE] ...   the same run split over N processes (the same result)\n\n"
     "With no argument, or with --mission: the mission. One 200GBASE-DR1-class lane host to host (host board, module, 500 m of\n"
     "fiber, module, host board, KP4 at the host) through a DSP-retimed and an LPO module side by side:\n"
     "Monte Carlo BER, post-FEC BER and frame loss with 95 % intervals, the statistical margin to the\n"
     "target and the host-loss and received-OMA margins, latency per kind of block and power per lane,\n"
     "per 1.6T module and per deployment. The keys are the comparison's (pam4sim compare).\n\n"
     "With FILE, or with options and no FILE (as before; --link to say so): one link, symbol by symbol (the\n"
     "built-in 200G/lane electrical link without FILE): the\n"
     "equalizer, BER and SER with 95 % intervals, eye heights and widths, and the KP4 FEC counts.\n\n"
     CONFIG_OPTS
     "  --arch LIST           the mission's architectures (retimed, lpo, lro, npo, cpo; default retimed,lpo)\n"
     "  --no-budget           the mission without its budget searches (margins to the target only)\n"
     "  --mission             the mission with the options given (--arch and --no-budget imply it)\n"
     "  --link                the built-in electrical link instead of the mission\n"
     "  --fail-on-target      exit status 3 when the BER target is not met\n"
     "  --json OUT            the result and the full configuration as JSON\n"
     "  --plot DIR            PNG and SVG plots: eye density, bathtubs, pulse, insertion loss (a link)\n"
     "  --until-errors N      stop once N bit errors are counted (--symbols is then the most to run)\n"
     "  --max-seconds S       stop after S seconds of running\n"
     "  --checkpoint FILE     write the counts so far to FILE (every --checkpoint-every UNITS work units)\n"
     "  --resume FILE         continue a checkpointed run\n"
     "SIGINT/SIGTERM print the partial result (and write the checkpoint) and exit 128+signal.\n"
     "example: pam4sim run examples/ca_19p75db.yaml --symbols 2e6 -j2 --json ca.json\n",
     o_run},
    {"config", "print the full default configuration: every key with its unit, range and meaning",
     "usage: pam4sim config [FILE.yaml] [--set key=value]...\n\n"
     "Prints the built-in default configuration as YAML, each key with its unit, allowed range and a\n"
     "one-line meaning; with FILE and --set, the effective configuration they make. Save it, change what\n"
     "you need, and pass the file to run, stat, sweep...\n"
     "example: pam4sim config > my.yaml\n",
     o_config},
    {"stat", "statistical eye to 1e-15: BER, contours, bathtubs, COM-style margin (no symbols simulated)",
     "usage: pam4sim stat [FILE.yaml] [--set key=value]... [-j N] [--json OUT] [--plot DIR]\n\n"
     "Builds the link at stat.sps samples per UI and computes the BER at every sampling phase and\n"
     "threshold from the exact distributions of the cursors, noise and jitter: BER at the slicer, eye\n"
     "heights and widths down to 1e-15, and a COM-style margin at stat.der0.\n\n" CONFIG_OPTS
     "  --json OUT            the result, every contour and both bathtubs as JSON\n"
     "  --plot DIR            PNG and SVG plots: eye with BER contours, bathtubs, pulse, insertion loss\n"
     "example: pam4sim stat --set channel.il_nyquist_db=32 --plot plots\n",
     o_stat},
    {"sweep", "the link over a grid of configuration values: BER, margins, where the BER crosses the target",
     "usage: pam4sim sweep [FILE.yaml] --vary key=start:stop:step [--vary ...] [--engine stat|mc|com]\n"
     "                     [--set key=value]... [--symbols N] [-j N] [--csv OUT] [--json OUT] [--plot DIR]\n\n"
     "Runs every point of the grid (the first --vary outermost) and reports, along the last key, where\n"
     "the BER crosses measure.target_ber (--engine com: where COM crosses its threshold).\n\n" CONFIG_OPTS
     "  --vary key=a:b:step   a configuration key and its values (up to 4 --vary)\n"
     "  --engine stat|mc|com  statistical eye (default), Monte Carlo (--symbols per point), or COM of the\n"
     "                        Touchstone channel and crosstalk files under com.params (IEEE 802.3 93A/178A)\n"
     "  --csv OUT, --json OUT the points as CSV or JSON\n"
     "  --plot DIR            BER (--engine com: COM) against the swept key (PNG and SVG)\n"
     "example: pam4sim sweep --vary channel.il_nyquist_db=24:40:4 --csv loss.csv\n"
     "         pam4sim sweep examples/ca_19p75db.yaml --set com.params=8023ck-kr --engine com --vary channel.length_scale=0.8:1.2:0.1\n",
     o_sweep},
    {"compare", "the rungs of the ladder side by side (retimed, LPO, LRO; --arch for NPO, CPO): BER, FEC, latency, power, budgets",
     "usage: pam4sim compare [FILE.yaml] [--set key=value]... [--arch LIST] [--symbols N] [-j N] [--json OUT] [--no-budget]\n\n"
     "The same lane as a DSP-retimed, a linear (LPO) and a half-retimed (LRO) link: per-segment and\n"
     "end-to-end BER, KP4 post-FEC BER and frame loss, eyes, latency per block, power per lane, module\n"
     "and deployment, and the loss and optical budgets at measure.target_ber.\n\n" CONFIG_OPTS
     "  --json OUT            the comparison as JSON\n"
     "  --arch LIST           which rungs, in column order: retimed (or dsp), lpo, lro, npo, cpo (default retimed,lpo,lro)\n"
     "  --no-budget           skip the budget searches (much faster)\n"
     "example: pam4sim compare --symbols 1e6 --no-budget\n",
     o_compare},
    {"module", "a 1.6T module's lanes through one architecture, and a population of modules for yield",
     "usage: pam4sim module [FILE.yaml] [--set key=value]... [--arch retimed|lpo|lro|npo|cpo] [--lane K:key=value]...\n"
     "                      [--symbols N] [-j N] [--population N [--exact]] [--json OUT]\n\n"
     "The lanes of one module (power.lanes_per_module, 8 for a 1.6T DR8-class module), each simulated host to\n"
     "host by Monte Carlo (pre- and post-FEC BER, frame loss, eye) with a statistical margin to the target;\n"
     "the worst lane, the module's frame loss, power and latency. A multi-lane Touchstone host board gives\n"
     "each lane its own thru and the others as aggressors. --population N draws N modules from the\n"
     "variation.* spreads: yield, the worst-lane margin's distribution and what drives the failures.\n\n" CONFIG_OPTS
     "  --arch A              the architecture of every lane (module.arch; retimed, lpo, lro, npo, cpo)\n"
     "  --lane K:key=value    change lane K only (1-based; repeatable)\n"
     "  --population N        draw N modules (seeded by sim.seed; the same for any -j)\n"
     "  --exact               the statistical engine at every drawn lane, not the first-order expansion\n"
     "  --json OUT            the module (and the population) as JSON\n"
     "example: pam4sim module --arch lpo --population 1000\n",
     o_module},
    {"com", "Channel Operating Margin (IEEE 802.3 Annex 93A/178A) of a thru channel and its aggressors",
     "usage: pam4sim com THRU.s4p [--fext F.s4p]... [--next N.s4p]... [--params 8023dj-kr|8023ck-kr|FILE.yaml]\n"
     "                   [-j N] [--json OUT] [--plot DIR]\n\n"
     "The standard's procedure: the channel with the package model at both ends, the TX FFE and CTLE grid\n"
     "searched by the figure of merit, the RX FFE (MMSE) and DFE, the noise terms and the exact PAM4 ISI and\n"
     "crosstalk distributions; COM = 20 log10(A_s / A_ni) at DER0, with pass/fail at the set's threshold.\n\n"
     "  --fext F, --next N    crosstalk aggressor files (repeatable)\n"
     "  --params SET|FILE     8023dj-kr (default), 8023ck-kr, or your own table (same keys)\n"
     "  -j N                  threads (the result does not depend on N)\n"
     "  --json OUT            the result, every noise term and the chosen settings as JSON\n"
     "  --plot DIR            the equalized pulse and the noise tail with A_s and A_ni (PNG and SVG)\n"
     "example: pam4sim com build/channels/CA_19p75dB_thru.s4p --params 8023ck-kr\n",
     o_com},
    {"jtol", "jitter tolerance of the DSP receiver: the largest SJ (UI) met at each frequency",
     "usage: pam4sim jtol [FILE.yaml] [--set key=value]... [--freqs-mhz f1,f2,...] [--symbols N] [-j N] [--json OUT]\n\n"
     "For each SJ frequency, the largest SJ amplitude (UI peak, 0.01 .. 8) at which the link with its\n"
     "DSP receiver (rx.dsp.enable forced on) still meets measure.target_ber, by bisection.\n\n" CONFIG_OPTS
     "  --freqs-mhz LIST      SJ frequencies in MHz (default 0.4,1,2,4,10,40)\n"
     "  --json OUT            the curve as JSON\n"
     "example: pam4sim jtol --freqs-mhz 1,10 --symbols 1e5\n",
     o_jtol},
    {"tdecq", "TDECQ, OMAouter and ER of the configured optical transmitter (SSPRQ, 802.3 method)",
     "usage: pam4sim tdecq [FILE.yaml] [--set key=value]... [--json OUT]\n\n"
     "Measures the optical transmitter as a compliance test would (needs optics.enable: true).\n\n" CONFIG_OPTS
     "  --json OUT            the measurement as JSON\n"
     "example: pam4sim tdecq examples/dr1.yaml\n",
     o_tdecq},
    {"sensitivity", "optical receiver sensitivity: BER against received OMA and the OMA at the target",
     "usage: pam4sim sensitivity [FILE.yaml] [--set key=value]... [--symbols N] [-j N] [--step DB] [--json OUT]\n\n"
     "Steps the received OMA (optics.rx.oma_dbm) up from below the thermal-noise limit until the BER\n"
     "is well below measure.target_ber, and interpolates where it crosses (needs optics.enable: true).\n\n"
     CONFIG_OPTS
     "  --step DB             OMA step in dB, 0.1 .. 5\n"
     "  --json OUT            the curve as JSON\n"
     "example: pam4sim sensitivity examples/dr1.yaml --symbols 2e5\n",
     o_sens},
    {"channel", "a Touchstone file: insertion and return loss, passivity, causality",
     "usage: pam4sim channel FILE.sNp [--json] [--port-order a,b,c,d]\n\n"
     "Reads a Touchstone file (or FILE.sNp.xz) and prints the differential insertion loss (SDD21) and\n"
     "return loss (SDD11) at 13.28, 26.56 and 53.125 GHz, the largest singular value (passivity) and\n"
     "the energy at negative time (causality).\n\n"
     "  --json                print JSON instead of text\n"
     "  --port-order a,b,c,d  ports of in+, in-, out+, out- (default: found from the data)\n"
     "example: pam4sim channel vectors/channels/CA_19p75dB_thru.s4p.xz\n",
     o_channel},
    {"prbs", "print a test pattern as digits 0-3",
     "usage: pam4sim prbs NAME [--symbols N]\n\n"
     "Prints the pattern's PAM4 symbols as digits 0..3 (one period, or 1000 symbols of a long one).\n"
     "  NAME                  prbs7 prbs9 prbs13 prbs15 prbs23 prbs31 prbs9q prbs13q prbs31q ssprq random\n"
     "  --symbols N           how many symbols\n"
     "example: pam4sim prbs ssprq --symbols 40\n",
     o_prbs},
    {"fec", "KP4 RS(544,514) encode or decode of hexadecimal symbols on stdin",
     "usage: pam4sim fec encode|decode < IN > OUT\n\n"
     "  encode                514 hexadecimal message symbols (0..3ff) per codeword in, 544 out\n"
     "  decode                544 in, 514 corrected out; stderr names each codeword's corrections;\n"
     "                        exit 1 if a codeword is uncorrectable (more than 15 symbol errors)\n",
     o_none},
    {"vectors", "reference test vectors: bit-exact regression check, regeneration, RTL export, your own goldens",
     "usage: pam4sim vectors check [DIR] [--channels CHDIR] [-j N]\n"
     "       pam4sim vectors generate [DIR] [--block NAME]... [--seed S] [--channels CHDIR]\n"
     "       pam4sim vectors generate --config FILE.yaml --block NAME --out DIR\n"
     "       pam4sim vectors export --block NAME --out DIR [--seed S] [--channels CHDIR]\n"
     "       pam4sim vectors list\n\n"
     "  check                 regenerate every block DIR/manifest.txt lists (default DIR: vectors) and\n"
     "                        compare: integers bit-exact, doubles within the manifest's tolerance;\n"
     "                        a mismatch names the file, the line and what the word means; exit 1\n"
     "  generate              (re)write the blocks' files and manifest: a deliberate act\n"
     "  generate --config     record your configuration's link results (counts, equalizer, eye) as\n"
     "                        a golden block NAME in DIR; `vectors check DIR` then checks it\n"
     "  export                one block's stimulus and expected response for an RTL test bench\n"
     "  list                  the blocks and what each holds\n"
     "example: pam4sim vectors generate --config my.yaml --block my_link --out golden &&\n"
     "         pam4sim vectors check golden\n",
     o_vectors},
    {"fft-wisdom", "measure this machine's FFT plans for pam4sim's sizes (FFTW wisdom for PAM4SIM_FFTW_WISDOM)",
     "usage: pam4sim fft-wisdom --out FILE [--max-size N]\n\n"
     "pam4sim's FFT plans are FFTW's measured ones where its wisdom has the size, else estimated ones\n"
     "(about 1.4x slower); a run never measures. The built-in wisdom was measured on one processor and\n"
     "is refused by another FFTW version or a processor without AVX; measure once here (about 40 s)\n"
     "and point PAM4SIM_FFTW_WISDOM at the file. PAM4SIM_FFTW_WISDOM=none estimates every plan (as\n"
     "before 0.9.0). `pam4sim --version` says which plans a run makes. Plans differ only in the\n"
     "rounding of their sums. The file is sealed (a damaged one is refused) and written through a\n"
     "temporary; the command says how many plans a run will find in it.\n\n"
     "  --out FILE            the wisdom file to write\n"
     "  --max-size N          the largest transform to measure, in points (1024 .. 131072, default all)\n"
     "example: pam4sim fft-wisdom --out ~/.pam4sim-wisdom && export PAM4SIM_FFTW_WISDOM=~/.pam4sim-wisdom\n",
     o_wisdom},
};
#define NCMD (sizeof commands / sizeof commands[0])

const cli_command *cli_command_find(const char *name)
{
    for (size_t i = 0; i < NCMD; i++)
        if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

const char *cli_command_suggest(const char *word)
{
    p4_suggest s;
    p4_suggest_start(&s, word);
    for (size_t i = 0; i < NCMD; i++) p4_suggest_add(&s, commands[i].name);
    return p4_suggest_best(&s);
}

int cli_help_overview(FILE *f)
{
    fprintf(f, "pam4sim %s - sample-level simulator of 200 Gb/s-per-lane PAM4 links\n\n"
               "usage: pam4sim [COMMAND] [FILE.yaml] [options]     (COMMAND defaults to run)\n\n"
               "commands:\n", P4_VERSION);
    for (size_t i = 0; i < NCMD; i++) fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n  pam4sim COMMAND --help   the command's options and an example\n"
               "  pam4sim --version        version, MPI build and FFT plans\n\n"
               "Every simulating command takes a configuration FILE.yaml, --set key=value, --symbols N,\n"
               "--seed S and -j N; `pam4sim config` prints every key. Quick start:\n"
               "  pam4sim run --symbols 1e6 --plot plots     the default link, with pictures\n"
               "  pam4sim sweep --vary channel.il_nyquist_db=24:40:4\n");
    return 0;
}

int cli_help_command(const cli_command *c, FILE *f)
{
    fprintf(f, "pam4sim %s - %s\n\n%s", c->name, c->summary, c->help);
    return 0;
}

int cli_option_kind(const cli_command *c, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *const *o = c->opts; *o; o++)
        if (!strncmp(*o, opt, n) && ((*o)[n] == 0 || ((*o)[n] == '=' && (*o)[n + 1] == 0)))
            return (*o)[n] == '=' ? 2 : 1;
    return 0;
}

const char *cli_option_suggest(const cli_command *c, const char *opt)
{
    static char names[32][32];
    p4_suggest s;
    p4_suggest_start(&s, opt);
    int k = 0;
    for (const char *const *o = c->opts; *o && k < 32; o++, k++) {
        snprintf(names[k], sizeof names[k], "%.*s", (int)strcspn(*o, "="), *o);
        p4_suggest_add(&s, names[k]);
    }
    p4_suggest_add(&s, "--help");
    return p4_suggest_best(&s);
}
