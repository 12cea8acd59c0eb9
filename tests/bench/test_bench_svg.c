/* SPDX-License-Identifier: MIT */
/* Unit tests of hv bench's SVG chart writer (tools/hv/bench_svg.c, compiled in here): the
 * document is well-formed XML (libxml2 parses it), has one bar per present value, escapes
 * labels, and picks a log scale only when values span decades. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tools/hv/bench_svg.c"

static char *render(const struct bench_chart *c, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    cr_assert_not_null(f);
    cr_assert_eq(bench_svg_write(f, c), 0);
    fclose(f);
    return buf;
}

static unsigned count_elements(xmlNode *n, const char *name)
{
    unsigned k = 0;
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
            k++;
        k += count_elements(n->children, name);
    }
    return k;
}

static int has_text(xmlNode *n, const char *text)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE && n->content && strstr((const char *)n->content, text))
            return 1;
        if (has_text(n->children, text))
            return 1;
    }
    return 0;
}

static xmlDoc *parse(const char *svg, size_t len)
{
    xmlDoc *doc = xmlReadMemory(svg, (int)len, "chart.svg", NULL, XML_PARSE_NONET);
    cr_assert_not_null(doc, "the SVG is not well-formed XML:\n%s", svg);
    xmlNode *root = xmlDocGetRootElement(doc);
    cr_assert_str_eq((const char *)root->name, "svg");
    cr_assert_not_null(root->ns);
    cr_assert_str_eq((const char *)root->ns->href, "http://www.w3.org/2000/svg");
    return doc;
}

static const char *const groups[] = { "crc", "a<b&c>\"d'", "blk-seq-4k" };
static const char *const series[] = { "full", "para", "qemu" };

Test(bench_svg, well_formed_with_bars_legend_and_escaping)
{
    double v[] = { 100, 50, 80, 2000, NAN, 0, 12, 11, 30 };
    double lo[] = { 90, 45, 70, 1900, NAN, 0, 10, 10, 29 };
    double hi[] = { 120, 55, 90, 2100, NAN, 0, 13, 12, 31 };
    struct bench_chart c = { .title = "t <&> title", .subtitle = "sub", .ylabel = "ms",
                             .xlabel = "workload", .ngroups = 3, .nseries = 3,
                             .groups = groups, .series = series, .value = v, .lo = lo,
                             .hi = hi, .log_scale = -1 };
    size_t len;
    char *svg = render(&c, &len);
    xmlDoc *doc = parse(svg, len);
    xmlNode *root = xmlDocGetRootElement(doc);
    /* 7 bars + 3 legend swatches + the background */
    cr_assert_eq(count_elements(root, "rect"), 7 + 3 + 1);
    cr_assert_eq(count_elements(root, "title"), 7);       /* hover text on each bar */
    cr_assert(has_text(root, "a<b&c>\"d'"), "the escaped group label round-trips");
    cr_assert(has_text(root, "t <&> title"));
    cr_assert(has_text(root, "n/a"), "missing values are marked");
    cr_assert(has_text(root, "(log scale)"), "values spanning 2.2 decades use a log axis");
    xmlFreeDoc(doc);
    free(svg);
}

Test(bench_svg, linear_scale_for_close_values)
{
    double v[] = { 10, 12, 14, 11 };
    struct bench_chart c = { .title = "t", .subtitle = "s", .ylabel = "ms", .ngroups = 2,
                             .nseries = 2, .groups = groups, .series = series, .value = v,
                             .log_scale = -1 };
    cr_assert_eq(bench_chart_use_log(&c), 0);
    size_t len;
    char *svg = render(&c, &len);
    xmlDoc *doc = parse(svg, len);
    cr_assert_not(has_text(xmlDocGetRootElement(doc), "(log scale)"));
    /* linear ticks start at 0 */
    cr_assert(strstr(svg, ">0</text>"));
    xmlFreeDoc(doc);
    free(svg);
    c.log_scale = 1;                                      /* forced */
    cr_assert_eq(bench_chart_use_log(&c), 1);
}

Test(bench_svg, all_missing_and_empty)
{
    double v[] = { NAN, -1 };
    struct bench_chart c = { .title = "t", .ylabel = "ms", .ngroups = 1, .nseries = 2,
                             .groups = groups, .series = series, .value = v,
                             .log_scale = -1 };
    size_t len;
    char *svg = render(&c, &len);
    xmlDoc *doc = parse(svg, len);
    cr_assert_eq(count_elements(xmlDocGetRootElement(doc), "rect"), 2 + 1);
    xmlFreeDoc(doc);
    free(svg);
    c.ngroups = 0;
    FILE *f = fopen("/dev/null", "w");
    cr_assert_eq(bench_svg_write(f, &c), -1);
    fclose(f);
}

Test(bench_svg, control_characters_are_dropped)
{
    static const char *const odd[] = { "x\001y\033z" };
    double v[] = { 5 };
    struct bench_chart c = { .title = "\002t", .ylabel = "ms", .ngroups = 1, .nseries = 1,
                             .groups = odd, .series = series, .value = v, .log_scale = 0 };
    size_t len;
    char *svg = render(&c, &len);
    xmlDoc *doc = parse(svg, len);
    cr_assert(has_text(xmlDocGetRootElement(doc), "xyz"));
    xmlFreeDoc(doc);
    free(svg);
}
