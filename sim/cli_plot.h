/* cli_plot.h - what the plot files share (cli_plot.c: frames, legends, files, the channel and pulse
 * and sweep plots; cli_plot_eye.c: eye densities and bathtubs). Not part of the library. */
#ifndef PAM4SIM_CLI_PLOT_H
#define PAM4SIM_CLI_PLOT_H
#include <plplot.h>
#include <stddef.h>

/* colours of cmap0 set by plot_begin */
enum { C_BG = 0, C_AXIS = 1, C_TARGET = 2, C_DATA = 3, C_DATA2 = 4, C_GRID = 5, C_MARK = 6, C_CONTOUR = 7 };
/* the two formats each plot is written in */
#define PLOT_FORMATS 2

/* Open the plot file DIR/NAME.(png|svg) (format fmt) through a temporary name, draw the frame with
 * a grid, the title above it and the axis labels (units in them). logy: the y axis is log10 with a
 * labelled tick every ydec decades. right_margin: room for a colour bar. */
void plot_begin(const char *dir, const char *name, int fmt, const char *title, const char *xl, const char *yl,
                double x0, double x1, double y0, double y1, int logy, int ydec, int right_margin);
int plot_end(void); /* close, rename into place, print the path; 0 or 1 */

/* A legend inside the frame (white box): per entry a text, a colour, and a line style (1 solid,
 * 2 dashed; 0 no line), a line width, and a symbol (PLplot's Hershey code; 0 none). pos: the
 * PL_POSITION_* corner; text_scale: the text size (0.85 for most). */
typedef struct {
    const char *text;
    int color, style;
    double width;
    int symbol;
} plot_item;
void plot_legend(int n, const plot_item *it, int pos, double text_scale);

/* log10 of a probability, floored for display */
double plot_lg(double p, double floor);
/* The target BER as a dashed red line over [xa, xb] of a log10 axis; its legend text into label. */
void plot_target(double xa, double xb, double target, char *label, size_t n);

/* The pulse response and the channel's insertion loss of a link (both run and stat draw them). */
struct p4_link;
int plot_link(const char *dir, const struct p4_link *l, double baud_gbd);

#endif
