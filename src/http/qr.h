/* qr.h - a text as a QR code in SVG, by Debian's libqrencode, loaded when
 * first asked for (dlopen, as systemd does): a node without libqrencode4
 * installed still runs, and shows the text alone. */
#ifndef HZ_QR_H
#define HZ_QR_H

/* @text as an SVG document (a new string, free()), error correction level
 * M, a quiet zone of 4 modules; NULL when libqrencode is not installed,
 * the text is too long for a QR code, or memory ran out. */
char *qr_svg(const char *text);

#endif
