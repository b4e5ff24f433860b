/* SPDX-License-Identifier: MIT */
/*
 * fuzz_taxid.c - libFuzzer target for the tax identifier module.
 *
 * Every entry point gets the input; the results must keep their contract
 * whatever the bytes: valid exactly when the reason is TAXID_OK, strings
 * NUL-terminated inside their arrays, a message exactly when invalid, a
 * compact form of printable ASCII, and a valid VAT number's compact form
 * checking again to itself.  A broken contract aborts.
 *
 * Build: cmake -DPOSINTENT_FUZZ=ON -DCMAKE_C_COMPILER=clang, or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *     src/taxid/taxid.c src/taxid/taxid_vat.c src/taxid/taxid_eori.c \
 *     src/taxid/taxid_cert.c src/taxid/taxid_text.c src/base/utf8.c \
 *     fuzz/fuzz_taxid.c -o fuzz_taxid
 * Run:   ./fuzz_taxid fuzz/corpus/taxid
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taxid/taxid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(const taxid_result *r) {
  if (r->valid != 0 && r->valid != 1) abort();
  if ((r->valid == 1) != (r->reason == TAXID_OK)) abort();
  if (!memchr(r->country, '\0', sizeof r->country)) abort();
  if (!memchr(r->compact, '\0', sizeof r->compact)) abort();
  if (!memchr(r->message, '\0', sizeof r->message)) abort();
  if (r->valid != (r->message[0] == '\0')) abort();
  if (strcmp(taxid_reason_code(r->reason), "unknown") == 0) abort();
  for (const char *c = r->compact; *c; c++)
    if (*c <= 0x20 || *c >= 0x7f) abort();
  if (r->valid && r->compact[0] == '\0') abort();
  if (r->kind != TAXID_EORI && (r->embedded_vat || r->embedded_vat_valid)) abort();
}

static void check_vat(const char *s, size_t n, const char *country) {
  taxid_result r;
  int v = taxid_check_vat(s, n, country, &r);
  if (v != r.valid || r.kind != TAXID_VAT) abort();
  check_result(&r);
  if (!r.valid) return;
  if (strncmp(r.compact, r.country, 2) != 0) abort();
  taxid_result again;
  if (!taxid_check_vat(r.compact, strlen(r.compact), NULL, &again)) abort();
  if (strcmp(again.compact, r.compact) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  taxid_result r;

  check_vat(s, size, NULL);
  if (size >= 2) { /* the first two bytes as the country given separately */
    char cc[3] = {s[0], s[1], '\0'};
    check_vat(s + 2, size - 2, cc);
  }

  taxid_check_eori(s, size, &r);
  check_result(&r);
  taxid_result e2;
  if (r.valid && !taxid_check_eori(r.compact, strlen(r.compact), &e2)) abort();

  taxid_check(s, size, TAXID_ANY, &r);
  check_result(&r);
  taxid_check(s, size, TAXID_CERT, &r);
  check_result(&r);
  taxid_check_cert_line(s, size, "2024-02-29", &r);
  check_result(&r);
  if (size >= 2) {
    char st[3] = {s[0], s[1], '\0'};
    taxid_check_cert(st, s + 2, size - 2, "2030-01-01", NULL, &r);
    check_result(&r);
  }
  return 0;
}
