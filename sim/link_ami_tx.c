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
    ami_side s;         /* the model, its parameters and the impulse at its input */
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
    ami_side_free(&a->s);
    free(a);
}

p4_status link_ami_tx_setup(p4_link *l, const p4_fresp *txf, const p4_fresp *ch, const p4_fresp *rxf)
{
    const p4_config *c = &l->cfg;
    link_ami_tx *a = l->ami_tx = calloc(1, sizeof *a);
    if (!a) return p4_error(P4_ENOMEM, "out of memory");
    pthread_mutex_init(&a->mu, NULL);
    a->info = &l->info.ami_tx;
    p4_status st = ami_side_setup(&a->s, l, c->tx_ami_model, c->tx_ami_file, c->tx_ami_params, c->n_tx_ami_params, "tx.ami",
                                  (int)c->tx_ami_isolate, c->tx_ami_timeout_s);
    if (!st) st = p4_ami_tx_input(txf, ch, rxf, l->sps, &a->s.imp, &a->s.R);
    for (long i = 0; !st && i < a->s.R; i++) a->s.imp[i] /= a->s.dt;
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
    a->imp = malloc((size_t)la->s.R * sizeof *a->imp), a->clk = malloc((size_t)a->nclk * sizeof *a->clk);
    const double one = 1;
    p4_ffe_destroy(u->txffe);
    u->txffe = p4_ffe_create(&one, 1);
    if (!a->imp || !a->clk || !u->txffe) return p4_error(P4_ENOMEM, "out of memory for the TX GetWave flow");
    return (a->m = ami_side_open(&la->s)) ? P4_OK : P4_EIO;
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
        memcpy(a->imp, la->s.imp, (size_t)la->s.R * sizeof *a->imp);
        st = p4_ami_init(a->m, a->imp, la->s.R, 0, la->s.dt, la->s.ui, la->s.params_in);
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
