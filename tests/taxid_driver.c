/* SPDX-License-Identifier: MIT */
/*
 * taxid_driver.c - line protocol over the taxid module for
 * tests/taxid_vs_stdnum.py (and for poking at it by hand).
 *
 * Each input line: KIND TAB COUNTRY TAB HEX
 *   KIND     v (VAT), e (EORI), a (any), c (certificate "ST:NUM[:DATE]")
 *   COUNTRY  two-letter prefix given separately (VAT only), or "-"
 *   HEX      the input bytes, hex-encoded (so any byte can be sent)
 * Each output line: VALID TAB COMPACT TAB COUNTRY TAB REASON TAB
 *   EMBEDDED_VAT TAB EMBEDDED_VAT_VALID TAB MESSAGE
 * A malformed request line prints "ERR" and the driver goes on.
 */
#include <stdio.h>
#include <string.h>

#include "taxid/taxid.h"

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int main(void) {
  static char line[1 << 16];
  static char buf[1 << 15];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';
    char *t1 = strchr(line, '\t');
    char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t1 || !t2 || t1 != line + 1) {
      puts("ERR");
      continue;
    }
    *t2 = '\0';
    const char *country = strcmp(t1 + 1, "-") == 0 ? NULL : t1 + 1;
    const char *hex = t2 + 1;
    size_t hl = strlen(hex), len = 0;
    int ok = hl % 2 == 0 && hl / 2 <= sizeof buf;
    for (size_t k = 0; ok && k < hl; k += 2) {
      int a = hexval(hex[k]), b = hexval(hex[k + 1]);
      if (a < 0 || b < 0) ok = 0;
      else buf[len++] = (char)(a * 16 + b);
    }
    if (!ok) {
      puts("ERR");
      continue;
    }
    taxid_result r;
    switch (line[0]) {
    case 'v': taxid_check_vat(buf, len, country, &r); break;
    case 'e': taxid_check_eori(buf, len, &r); break;
    case 'a': taxid_check(buf, len, TAXID_ANY, &r); break;
    case 'c': taxid_check(buf, len, TAXID_CERT, &r); break;
    default: puts("ERR"); continue;
    }
    printf("%d\t%s\t%s\t%s\t%d\t%d\t%s\n", r.valid, r.compact, r.country,
           taxid_reason_code(r.reason), r.embedded_vat, r.embedded_vat_valid, r.message);
  }
  return 0;
}
