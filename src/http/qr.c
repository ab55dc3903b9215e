/* qr.c - qr.h. libqrencode is loaded when first needed (src/dl,
 * libqrencode.so.4: its ABI since 2017), so the package only recommends
 * it (DECISIONS 27: it installs alone) and without it there is no SVG.
 * The SVG is one path, a rectangle per run of dark modules in a row;
 * its viewBox counts modules, with crisp edges. */
#include "qr.h"

#include "../dl/dl.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET 4

char *qr_svg(const char *text)
{
    if (text == NULL || hz_dl_load(&hz_dl_qrencode, NULL) != 0)
        return NULL;
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (q == NULL)
        return NULL;
    int side = q->width + 2 * QUIET;
    char *svg = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&svg, &len);
    if (out != NULL) {
        fprintf(out,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d"
                " %d\" shape-rendering=\"crispEdges\"><rect width=\"%d\""
                " height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                side, side, side, side);
        /* One rectangle per run of dark modules in a row (bit 0 of each
         * byte: the module is dark). */
        for (int y = 0; y < q->width; y++) {
            const unsigned char *row = q->data + (size_t)y * (size_t)q->width;
            for (int x = 0; x < q->width;) {
                if (!(row[x] & 1)) {
                    x++;
                    continue;
                }
                int run = 1;
                while (x + run < q->width && (row[x + run] & 1))
                    run++;
                fprintf(out, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run,
                        run);
                x += run;
            }
        }
        fputs("\"/></svg>", out);
        if (fclose(out) != 0) {
            free(svg);
            svg = NULL;
        }
    }
    QRcode_free(q);
    return svg;
}
