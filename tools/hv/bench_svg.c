/* SPDX-License-Identifier: MIT */
/* hv bench — grouped bar charts as SVG, written by hand (title, y axis with linear or log
 * ticks, grid, one colour per series, min..max whiskers, rotated group labels, legend), and
 * the same chart through gnuplot when it is installed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench_svg.h"

/* Tableau-10: distinguishable, and readable by most colour-blind viewers. */
static const char *const palette[] = { "#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                       "#76b7b2", "#edc948", "#b07aa1", "#9c755f" };
#define NPAL (sizeof(palette) / sizeof(palette[0]))

#define BAR_W 16.0
#define GROUP_GAP 18.0
#define MARGIN_L 84.0
#define MARGIN_R 24.0
#define MARGIN_T 78.0
#define PLOT_H 300.0

static int valid(double v)
{
    return v > 0 && isfinite(v);
}

static void value_range(const struct bench_chart *c, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = 0;
    for (unsigned i = 0; i < c->ngroups * c->nseries; i++) {
        double v = c->value[i];
        if (!valid(v))
            continue;
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
        if (c->hi && valid(c->hi[i]) && c->hi[i] > *hi)
            *hi = c->hi[i];
        if (c->lo && valid(c->lo[i]) && c->lo[i] < *lo)
            *lo = c->lo[i];
    }
}

int bench_chart_use_log(const struct bench_chart *c)
{
    if (c->log_scale >= 0)
        return c->log_scale != 0;
    double lo, hi;
    value_range(c, &lo, &hi);
    return hi > 0 && isfinite(lo) && hi / lo > 30.0;
}

/* XML-escape text into the file. */
static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            /* Control characters are not allowed in XML 1.0 text. */
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
                fputc(*s, f);
        }
    }
}

/* The y axis: maps a value to a pixel offset above the baseline. */
struct axis {
    int log;
    double lo, hi;                  /* linear: 0..hi; log: decades lo..hi (exponents) */
};

static double axis_pos(const struct axis *a, double v)
{
    if (a->log) {
        double e = log10(v);
        if (e < a->lo)
            e = a->lo;
        return (e - a->lo) / (a->hi - a->lo) * PLOT_H;
    }
    return v / a->hi * PLOT_H;
}

/* A "nice" linear step (1, 2 or 5 times a power of ten) giving about five ticks. */
static double nice_step(double hi)
{
    double raw = hi / 5.0;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    return (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0) * p;
}

static void make_axis(const struct bench_chart *c, struct axis *a)
{
    double lo, hi;
    value_range(c, &lo, &hi);
    if (!(hi > 0) || !isfinite(lo)) {
        lo = 1;
        hi = 10;
    }
    a->log = bench_chart_use_log(c);
    if (a->log) {
        a->lo = floor(log10(lo));
        a->hi = ceil(log10(hi));
        if (a->hi <= a->lo)
            a->hi = a->lo + 1;
    } else {
        a->lo = 0;
        double step = nice_step(hi);
        a->hi = ceil(hi / step) * step;
        if (a->hi < hi * 1.02)
            a->hi += step;
    }
}

static void fmt_tick(char *buf, size_t n, double v)
{
    if (v >= 1e6 || (v < 1e-2 && v > 0))
        snprintf(buf, n, "%.0e", v);
    else if (v >= 1)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%g", v);
}

static void draw_ticks(FILE *f, const struct axis *a, double x0, double y0, double w)
{
    char buf[32];
    if (a->log) {
        for (int e = (int)a->lo; e <= (int)a->hi; e++) {
            double y = y0 - axis_pos(a, pow(10.0, e));
            fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                    x0, y, x0 + w, y);
            fmt_tick(buf, sizeof buf, pow(10.0, e));
            fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    x0 - 6, y + 4, buf);
            for (int m = 2; m < 10 && e < (int)a->hi; m++) {   /* minor ticks */
                double ym = y0 - axis_pos(a, m * pow(10.0, e));
                fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\"/>\n", x0 - 3, ym, x0, ym);
            }
        }
        return;
    }
    double step = nice_step(a->hi);
    for (double v = 0; v <= a->hi * 1.0001; v += step) {
        double y = y0 - axis_pos(a, v);
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                x0, y, x0 + w, y);
        fmt_tick(buf, sizeof buf, v);
        fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                x0 - 6, y + 4, buf);
    }
}

static void draw_bar(FILE *f, const struct bench_chart *c, const struct axis *a, unsigned g,
                     unsigned s, double x, double y0)
{
    unsigned i = g * c->nseries + s;
    double v = c->value[i];
    if (!valid(v)) {
        fprintf(f, "<text class=\"na\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">n/a</text>\n",
                x + BAR_W / 2, y0 - 4);
        return;
    }
    double h = axis_pos(a, v);
    if (h < 1)
        h = 1;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
            "<title>", x, y0 - h, BAR_W - 2, h, palette[s % NPAL]);
    put_text(f, c->groups[g]);
    fputs(" / ", f);
    put_text(f, c->series[s]);
    fprintf(f, ": %.4g</title></rect>\n", v);
    if (c->lo && c->hi && valid(c->lo[i]) && valid(c->hi[i]) && c->hi[i] > c->lo[i]) {
        double xm = x + (BAR_W - 2) / 2;
        double ylo = y0 - axis_pos(a, c->lo[i]), yhi = y0 - axis_pos(a, c->hi[i]);
        fprintf(f, "<path class=\"whisker\" d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\"/>\n",
                xm, ylo, yhi, xm - 3, ylo, xm + 3, xm - 3, yhi, xm + 3);
    }
}

static void draw_legend(FILE *f, const struct bench_chart *c, double x, double y)
{
    for (unsigned s = 0; s < c->nseries; s++) {
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", x,
                y - 10, palette[s % NPAL]);
        fprintf(f, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">", x + 17, y);
        put_text(f, c->series[s]);
        fputs("</text>\n", f);
        x += 30 + 7.5 * (double)strlen(c->series[s] ? c->series[s] : "");
    }
}

int bench_svg_write(FILE *f, const struct bench_chart *c)
{
    if (!c->ngroups || !c->nseries)
        return -1;
    double group_w = c->nseries * BAR_W + GROUP_GAP;
    double plot_w = c->ngroups * group_w;
    double width = MARGIN_L + plot_w + MARGIN_R;
    if (width < 560)
        width = 560, plot_w = width - MARGIN_L - MARGIN_R, group_w = plot_w / c->ngroups;
    /* Room for the longest group label, rotated by 35 degrees (about 6.5 px a character). */
    size_t longest = 0;
    for (unsigned g = 0; g < c->ngroups; g++)
        if (c->groups[g] && strlen(c->groups[g]) > longest)
            longest = strlen(c->groups[g]);
    double height = MARGIN_T + PLOT_H + 30 + 6.5 * 0.58 * (double)longest + (c->xlabel ? 24 : 0);
    double x0 = MARGIN_L, y0 = MARGIN_T + PLOT_H;
    struct axis a;
    make_axis(c, &a);

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
            width, height, width, height);
    fputs("<style>text{fill:#222}.title{font-size:16px;font-weight:bold}"
          ".sub{font-size:11px;fill:#555}.tick{font-size:11px}.label{font-size:12px}"
          ".legend{font-size:12px}.group{font-size:11px}.na{font-size:9px;fill:#888}"
          ".grid{stroke:#ddd;stroke-width:1}.axis{stroke:#333;stroke-width:1}"
          ".whisker{stroke:#222;stroke-width:1;fill:none}</style>\n", f);
    fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", width, height);
    fprintf(f, "<text class=\"title\" x=\"%.1f\" y=\"22\">", x0);
    put_text(f, c->title);
    fputs("</text>\n", f);
    if (c->subtitle) {
        fprintf(f, "<text class=\"sub\" x=\"%.1f\" y=\"39\">", x0);
        put_text(f, c->subtitle);
        fputs(a.log ? " (log scale)" : "", f);
        fputs("</text>\n", f);
    }
    draw_legend(f, c, x0, 62);
    draw_ticks(f, &a, x0, y0, plot_w);
    for (unsigned g = 0; g < c->ngroups; g++) {
        double gx = x0 + g * group_w + (group_w - c->nseries * BAR_W) / 2;
        for (unsigned s = 0; s < c->nseries; s++)
            draw_bar(f, c, &a, g, s, gx + s * BAR_W, y0);
        double lx = gx + c->nseries * BAR_W / 2, ly = y0 + 14;
        fprintf(f, "<text class=\"group\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                "transform=\"rotate(-35 %.1f %.1f)\">", lx, ly, lx, ly);
        put_text(f, c->groups[g]);
        fputs("</text>\n", f);
    }
    fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0,
            MARGIN_T, x0, y0);
    fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0, y0,
            x0 + plot_w, y0);
    fprintf(f, "<text class=\"label\" text-anchor=\"middle\" transform=\"translate(18 %.1f) "
            "rotate(-90)\">", MARGIN_T + PLOT_H / 2);
    put_text(f, c->ylabel);
    fputs("</text>\n", f);
    if (c->xlabel) {
        fprintf(f, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                x0 + plot_w / 2, height - 8);
        put_text(f, c->xlabel);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    return ferror(f) ? -1 : 0;
}

/* ---- gnuplot ------------------------------------------------------------------------- */

static int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    char buf[4096];
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)n, path);
        if (n && access(buf, X_OK) == 0)
            return 1;
        path = end ? end + 1 : NULL;
    }
    return 0;
}

/* gnuplot strings in single quotes: a quote is doubled. */
static void put_gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

int bench_gnuplot_write(const char *path, const struct bench_chart *c)
{
    if (!have_gnuplot() || !c->ngroups || !c->nseries)
        return -1;
    char data[] = "/tmp/hv-bench-gp-XXXXXX";
    int fd = mkstemp(data);
    if (fd < 0)
        return -1;
    FILE *d = fdopen(fd, "w");
    if (!d) {
        close(fd);
        unlink(data);
        return -1;
    }
    /* One row per group; "?" marks a missing value. */
    for (unsigned g = 0; g < c->ngroups; g++) {
        fprintf(d, "\"%s\"", c->groups[g]);
        for (unsigned s = 0; s < c->nseries; s++) {
            double v = c->value[g * c->nseries + s];
            if (valid(v))
                fprintf(d, " %.6g", v);
            else
                fputs(" ?", d);
        }
        fputc('\n', d);
    }
    fclose(d);
    FILE *gp = popen("gnuplot 2>/dev/null", "w");
    if (!gp) {
        unlink(data);
        return -1;
    }
    fprintf(gp, "set terminal svg size %u,440 dynamic font 'Helvetica,11' background '#ffffff'\n",
            c->ngroups * (c->nseries * 16 + 18) + 120 < 560 ? 560
                : c->ngroups * (c->nseries * 16 + 18) + 120);
    fputs("set output ", gp);
    put_gp_string(gp, path);
    fputs("\nset title ", gp);
    put_gp_string(gp, c->title);
    fputs("\nset ylabel ", gp);
    put_gp_string(gp, c->ylabel);
    if (c->xlabel) {
        fputs("\nset xlabel ", gp);
        put_gp_string(gp, c->xlabel);
    }
    fputs("\nset datafile missing '?'\nset style data histograms\n"
          "set style histogram clustered gap 1\nset style fill solid 1.0 noborder\n"
          "set boxwidth 0.9\nset grid ytics\nset xtics rotate by -35 nomirror\n"
          "set key top left horizontal\nset yrange [*:*]\n", gp);
    if (bench_chart_use_log(c))
        fputs("set logscale y\n", gp);
    fputs("plot ", gp);
    for (unsigned s = 0; s < c->nseries; s++) {
        fprintf(gp, "%s", s ? ", " : "");
        put_gp_string(gp, data);
        fprintf(gp, " using %u:xtic(1) title ", s + 2);
        put_gp_string(gp, c->series[s]);
        fprintf(gp, " lc rgb '%s'", palette[s % NPAL]);
    }
    fputs("\n", gp);
    int st = pclose(gp);
    unlink(data);
    return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}
