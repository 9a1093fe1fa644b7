/* link_ami_tx.c - the IBIS-AMI transmitter's time-domain (GetWave) flow inside the sample-level
 * engine (tx.ami.flow = getwave, or auto with a model that has GetWave).
 *
 * Design. The link is built, as in the Init flow (ami_flow.c: p4_ami_link_tx), with the TX model's
 * Init response in its linear chain: a symbol-spaced response is the TX FFE the equalizer design,
 * the delay probe, the pulse and the statistical views see. The waveform does not take that
 * response: each work unit's TX FFE is bypassed (unity) and the rendered TX waveform of every chunk
 * (unit_simulate: u->wave right after the render, before the FIR and the optical line) goes through
 * the model's AMI_GetWave in place, one model instance per unit state, stateful across the unit's
 * chunks. Each unit starts the model over with AMI_Init on the impulse response its Init flow gets
 * (TX analog x channel x RX analog front end: p4_ami_tx_input), so a unit's result does not depend
 * on which worker ran it, nor on -j. A model whose Init response is not symbol-spaced is refused in
 * this flow (ami_flow.c): the design would have to put a different filter in the chain than the
 * waveform's, which this flow does not do.
 *
 * What is not modelled: clock times a TX model returns are ignored (IBIS: a transmitter's clock is
 * not used); crosstalk aggressors are rendered from their own levels and are not passed through
 * the victim's TX model; the model's Ignore_Bits join the unit's warm-up (link.c).
 *
 * Errors: a failing or crashing AMI_Init or AMI_GetWave stops the unit's model; the unit keeps
 * the first error (the model and the call, from ami_model.c), and the run ends with it
 * (unit_ami_status, link_run.c).
 */
#include "link_impl.h"
#include "pam4sim/ami.h"

struct link_ami_tx {
    char model[P4_PATH_MAX];
    int isolate;
    double timeout_s;
    char *params_in;
    double *imp;        /* the impulse at the model's input, IBIS units (1/s), row R */
    long R;
    double dt, ui;
    pthread_mutex_t mu;
    p4_ami_info *info;  /* the link's info.ami_tx: units run */
};

struct unit_ami_tx {
    p4_ami_model *m;
    double *imp, *clk;  /* the Init's impulse (the model may change it); the clock vector (ignored) */
    long nclk;
    p4_status st;
    char msg[1024];
};

void link_ami_tx_free(link_ami_tx *a)
{
    if (!a) return;
    pthread_mutex_destroy(&a->mu);
    free(a->params_in), free(a->imp);
    free(a);
}

p4_status link_ami_tx_setup(p4_link *l, const p4_fresp *txf, const p4_fresp *ch, const p4_fresp *rxf)
{
    const p4_config *c = &l->cfg;
    p4_ami_file *f = p4_ami_file_for(c->tx_ami_model, c->tx_ami_file, c->tx_ami_params, c->n_tx_ami_params, "tx.ami");
    if (!f) return P4_EPARSE;
    link_ami_tx *a = l->ami_tx = calloc(1, sizeof *a);
    p4_status st = a ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    if (!st) {
        pthread_mutex_init(&a->mu, NULL);
        snprintf(a->model, sizeof a->model, "%s", c->tx_ami_model);
        a->isolate = (int)c->tx_ami_isolate, a->timeout_s = c->tx_ami_timeout_s;
        a->dt = 1 / l->fs_hz, a->ui = l->ui_s;
        a->info = &l->info.ami_tx;
        if (!(a->params_in = p4_ami_file_params_in(f))) st = p4_error(P4_ENOMEM, "out of memory");
    }
    if (!st && (f->ignore_bits < 0 || f->ignore_bits > 1000000))
        st = p4_error(P4_EINVAL, "%s: Ignore_Bits %ld is outside 0..1000000 (each work unit runs them before it counts)", f->path,
                      f->ignore_bits);
    p4_ami_file_free(f);
    if (!st) st = p4_ami_tx_input(txf, ch, rxf, l->sps, &a->imp, &a->R);
    for (long i = 0; !st && i < a->R; i++) a->imp[i] /= a->dt;
    return st;
}

void link_ami_tx_reset_stats(p4_link *l)
{
    if (l->ami_tx) l->info.ami_tx.units = 0;
}

/* The unit state's model instance (made in the run's own thread, as the receiver's: link_ami.c),
 * and the unit's TX FFE made unity: the model is the transmitter's equalizer. */
p4_status unit_ami_tx_alloc(const p4_link *l, unit_state *u)
{
    const link_ami_tx *la = l->ami_tx;
    unit_ami_tx *a = u->ami_tx = calloc(1, sizeof *a);
    if (!a) return p4_error(P4_ENOMEM, "out of memory for the TX GetWave flow");
    /* IBIS: the clock vector holds more clocks than a call can return, and the -1 */
    a->nclk = (long)u->chunk * 2 + 16;
    a->imp = malloc((size_t)la->R * sizeof *a->imp), a->clk = malloc((size_t)a->nclk * sizeof *a->clk);
    const double one = 1;
    p4_ffe_destroy(u->txffe);
    u->txffe = p4_ffe_create(&one, 1);
    if (!a->imp || !a->clk || !u->txffe) return p4_error(P4_ENOMEM, "out of memory for the TX GetWave flow");
    if (!(a->m = p4_ami_open(la->model, la->isolate))) return P4_EIO;
    p4_ami_set_timeout(a->m, la->timeout_s);
    return P4_OK;
}

void unit_ami_tx_free(unit_ami_tx *a)
{
    if (!a) return;
    p4_ami_free(a->m);
    free(a->imp), free(a->clk);
    free(a);
}

p4_status unit_ami_tx_status(const unit_state *u)
{
    return u->ami_tx && u->ami_tx->st ? p4_error(u->ami_tx->st, "%s", u->ami_tx->msg) : P4_OK;
}

void unit_ami_tx_run(const p4_link *l, unit_state *u, size_t s0, double *wave, size_t n)
{
    link_ami_tx *la = l->ami_tx;
    unit_ami_tx *a = u->ami_tx;
    if (a->st) return;
    p4_status st = P4_OK;
    if (s0 == 0) { /* a fresh stream: the model's state starts over */
        memcpy(a->imp, la->imp, (size_t)la->R * sizeof *a->imp);
        st = p4_ami_init(a->m, a->imp, la->R, 0, la->dt, la->ui, la->params_in);
        pthread_mutex_lock(&la->mu);
        la->info->units++;
        pthread_mutex_unlock(&la->mu);
    }
    if (!st) st = p4_ami_getwave(a->m, wave, (long)n, a->clk, a->nclk);
    if (st) {
        a->st = st;
        snprintf(a->msg, sizeof a->msg, "%s", p4_last_error());
    }
}
