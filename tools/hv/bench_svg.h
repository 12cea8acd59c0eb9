/* SPDX-License-Identifier: MIT */
/* hv bench — grouped bar charts: an SVG writer with no dependencies (used when gnuplot is not
 * installed) and a gnuplot driver producing the same chart. Only libc, so the unit test can
 * compile bench_svg.c on its own. */
#ifndef HV_BENCH_SVG_H
#define HV_BENCH_SVG_H

#include <stdio.h>

/* ngroups groups of nseries bars. value[g * nseries + s] is the bar height (> 0), or <= 0 /
 * NaN for "no result" (drawn as a small n/a mark). lo/hi (optional, same layout) draw a
 * min..max whisker on each bar. */
struct bench_chart {
    const char *title;
    const char *subtitle;           /* may be NULL */
    const char *ylabel;             /* unit of the values, e.g. "median wall time (ms)" */
    const char *xlabel;
    unsigned ngroups, nseries;
    const char *const *groups;      /* x-axis labels */
    const char *const *series;      /* legend entries */
    const double *value;
    const double *lo, *hi;
    int log_scale;                  /* -1: choose (log when values span > 1.5 decades) */
};

/* 1: log scale for this chart, 0: linear (resolves log_scale == -1). */
int bench_chart_use_log(const struct bench_chart *c);

/* Write the chart as a standalone SVG document. Returns 0, or -1 on a write error or an
 * empty chart. */
int bench_svg_write(FILE *f, const struct bench_chart *c);

/* Render with gnuplot (found in PATH) into an SVG file. Returns 0, or -1 when gnuplot is
 * missing or failed (the caller then uses bench_svg_write). */
int bench_gnuplot_write(const char *path, const struct bench_chart *c);

#endif
