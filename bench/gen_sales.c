/* SPDX-License-Identifier: MIT */
/*
 * gen_sales.c - fill a posintent database with N synthetic sales.
 *
 *   gen_sales DB N [SEED]
 *
 * Every sale goes through the same code the till uses to record: taxid_*
 * for the evidence verdicts, decide() for the buyer statuses and the tax
 * treatment, store_record_sale() / store_record_void() for the rows.  The
 * database is opened with durability "normal" (synchronous=NORMAL in WAL
 * mode: a commit is not fsync'ed, a checkpoint is), since store.h offers no
 * outer transaction; one transaction per sale, as at the till.
 *
 * The mix, per sale (seeded, so two runs give the same file):
 *   - 5 stores, one currency each: Berlin EUR (DE), Belfast GBP (XI, so
 *     EU reverse charge applies to goods), Austin USD (US), Tokyo JPY (JP),
 *     Manama BHD (BH); 70% of sales in Berlin, 10% Belfast, 10% Austin,
 *     5% Tokyo, 5% Manama;
 *   - 1 to 9 lines, 5 on average;
 *   - 68% own use, 12% gifts, 10% resale, 10% mixed baskets (own use with
 *     some lines tagged gift or resale);
 *   - resale buyers from a pool of 5,000 resellers: EU VAT numbers of 10
 *     member states (valid, found by trying random digits against
 *     taxid_check_vat) for the European stores, US resale certificates for
 *     Austin; 4% of the pool has an invalid number, and 2% of resale sales
 *     carry no evidence at all (store policy "warn");
 *   - 1% of sales are voided after completion, 0.5% before;
 *   - dates spread over 365 days from 2024-01-01.
 * Prints the rate (sales and lines per second) at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"
#include "decision/decide.h"
#include "config/manifest.h"
#include "store/store.h"
#include "taxid/taxid.h"

/* xorshift64*: small, fast, reproducible across platforms. */
static uint64_t rng_state = 88172645463325252u;
static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717u;
}
static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }

typedef struct shop {
  const char *id, *country, *currency, *tz;
  int tax_pct;
  int64_t min_price, max_price; /* minor units */
  plugin_config cfg;
} shop;

static shop shops[] = {
    {.id = "berlin", .country = "DE", .currency = "EUR", .tz = "+01:00", .tax_pct = 19,
     .min_price = 199, .max_price = 49999},
    {.id = "belfast", .country = "XI", .currency = "GBP", .tz = "+00:00", .tax_pct = 20,
     .min_price = 150, .max_price = 39999},
    {.id = "austin", .country = "US", .currency = "USD", .tz = "-06:00", .tax_pct = 8,
     .min_price = 199, .max_price = 59999},
    {.id = "tokyo", .country = "JP", .currency = "JPY", .tz = "+09:00", .tax_pct = 10,
     .min_price = 100, .max_price = 50000},
    {.id = "manama", .country = "BH", .currency = "BHD", .tz = "+03:00", .tax_pct = 10,
     .min_price = 500, .max_price = 90000},
};

#define NRESELLERS 5000
typedef struct reseller {
  taxid_kind kind;
  char input[64];
  char state[3];
  char name[64];
  int us;
} reseller;
static reseller pool[NRESELLERS];

static const char *const vat_countries[] = {"DE", "FR", "NL", "AT", "BE",
                                            "IT", "PT", "PL", "DK", "FI"};
static const int vat_digits[] = {9, 11, 9, 8, 10, 11, 9, 10, 8, 8};
static const char *const names[] = {
    "Müller Handel GmbH", "Dupont SARL",    "Van Dijk BV",   "Huber KG",
    "Janssens NV",        "Rossi S.r.l.",   "García S.L.",   "Kowalski sp. z o.o.",
    "Jensen ApS",         "Virtanen Oy",    "=Formula Ltd",  "Ó Briain Teo",
    "Lone Star Supply",   "Gulf Traders",   "Sakura Shoji",  "@Home Retail"};
static const char *const items[] = {"Espresso machine", "Teapot", "Scarf",
                                    "Headphones",       "Notebook", "Lamp",
                                    "Kettle",           "Blanket",  "Vase"};

/* A VAT number that taxid_check_vat accepts: random digits until the check
 * digit matches (1 in 10 or 11 on average). */
static void valid_vat(reseller *r, int c) {
  taxid_result v;
  for (int tries = 0; tries < 100000; tries++) {
    char num[32];
    int n = vat_digits[c];
    for (int i = 0; i < n; i++) num[i] = (char)('0' + pick(10));
    num[0] = (char)('1' + pick(9));
    num[n] = '\0';
    if (strcmp(vat_countries[c], "AT") == 0)
      snprintf(r->input, sizeof r->input, "ATU%s", num);
    else if (strcmp(vat_countries[c], "NL") == 0)
      snprintf(r->input, sizeof r->input, "NL%sB01", num);
    else
      snprintf(r->input, sizeof r->input, "%s%s", vat_countries[c], num);
    if (taxid_check_vat(r->input, strlen(r->input), NULL, &v)) return;
  }
  fprintf(stderr, "gen_sales: no valid %s VAT number found\n", vat_countries[c]);
  exit(1);
}

static void make_pool(void) {
  static const char *const states[] = {"TX", "CA", "NY", "FL", "WA"};
  for (int i = 0; i < NRESELLERS; i++) {
    reseller *r = &pool[i];
    r->us = i % 5 == 4;
    snprintf(r->name, sizeof r->name, "%s #%d", names[pick(16)], i);
    if (r->us) {
      r->kind = TAXID_CERT;
      snprintf(r->state, sizeof r->state, "%s", states[pick(5)]);
      snprintf(r->input, sizeof r->input, "%u-%05u-%u", pick(9) + 1, pick(100000),
               pick(10));
    } else {
      r->kind = TAXID_VAT;
      valid_vat(r, (int)pick(10));
      if (pick(100) < 5) { /* a typo: the check digit breaks */
        size_t n = strlen(r->input);
        r->input[n - 1] = r->input[n - 1] == '9' ? '0' : (char)(r->input[n - 1] + 1);
      }
    }
  }
}

static void set_evidence(sale *s, const reseller *r) {
  s->customer.present = 1;
  s->customer.org = 1;
  snprintf(s->customer.name, sizeof s->customer.name, "%s", r->name);
  /* Ids are short here; cut at the id limit all the same. */
  snprintf(s->customer.id, sizeof s->customer.id, "cust-%.*s",
           (int)(sizeof s->customer.id - 6), r->input);
  evidence *e = &s->customer.ev[0];
  memset(e, 0, sizeof *e);
  e->kind = r->kind;
  snprintf(e->input, sizeof e->input, "%s", r->input);
  if (r->kind == TAXID_CERT) {
    snprintf(e->state, sizeof e->state, "%s", r->state);
    taxid_check_cert(r->state, r->input, strlen(r->input), NULL, "2024-01-01",
                     &e->verdict);
  } else {
    taxid_check_vat(r->input, strlen(r->input), NULL, &e->verdict);
  }
  s->customer.nev = 1;
}


int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: gen_sales DB N [SEED]\n");
    return 2;
  }
  const char *path = argv[1];
  long n = atol(argv[2]);
  if (argc > 3) rng_state ^= (uint64_t)atoll(argv[3]) * 0x9E3779B97F4A7C15u;
  make_pool();
  for (size_t i = 0; i < sizeof shops / sizeof shops[0]; i++) {
    manifest_default_config(&shops[i].cfg);
    snprintf(shops[i].cfg.store_id, sizeof shops[i].cfg.store_id, "%s", shops[i].id);
    snprintf(shops[i].cfg.store_country, 3, "%s", shops[i].country);
    snprintf(shops[i].cfg.currency, 4, "%s", shops[i].currency);
    shops[i].cfg.resale = RESALE_WARN;
    shops[i].cfg.durability = DURABILITY_NORMAL;
  }
  snprintf(shops[0].cfg.store_vat, sizeof shops[0].cfg.store_vat, "DE136695976");
  snprintf(shops[0].cfg.contact_name, sizeof shops[0].cfg.contact_name, "Benchmark");
  store *st;
  pi_error err;
  if (store_open(path, STORE_READWRITE, &shops[0].cfg, &st, &err)) {
    fprintf(stderr, "gen_sales: %s\n", err.message);
    return 1;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int64_t day0 = 19723; /* 2024-01-01 */
  long lines_total = 0, voided = 0;
  sale s;
  sale_init(&s);
  for (long k = 0; k < n; k++) {
    unsigned r = pick(100);
    shop *sh = r < 70 ? &shops[0] : r < 80 ? &shops[1] : r < 90 ? &shops[2]
             : r < 95 ? &shops[3] : &shops[4];
    sale_free(&s);
    sale_init(&s);
    snprintf(s.store, sizeof s.store, "%s", sh->id);
    snprintf(s.terminal, sizeof s.terminal, "T%u", pick(4) + 1);
    snprintf(s.id, sizeof s.id, "%ld", k + 1);
    snprintf(s.cashier, sizeof s.cashier, "c%u", pick(20));
    snprintf(s.currency, sizeof s.currency, "%s", sh->currency);
    int y, m, d;
    cal_civil_from_days((long)(day0 + (int64_t)(k * 365 / (n > 0 ? n : 1))), &y, &m, &d);
    snprintf(s.at, sizeof s.at, "%04d-%02d-%02dT%02u:%02u:%02u%s", y, m, d,
             8 + pick(12), pick(60), pick(60), sh->tz);
    unsigned mix = pick(100);
    s.purpose = mix < 68 ? PURPOSE_OWN_USE : mix < 80 ? PURPOSE_GIFT
              : mix < 90 ? PURPOSE_RESALE : PURPOSE_OWN_USE;
    int mixed = mix >= 90;
    if (s.purpose == PURPOSE_GIFT) {
      s.gift.tagged = 1;
      s.gift.gift_receipt = (int)pick(2);
      snprintf(s.gift.recipient_name, sizeof s.gift.recipient_name, "Recipient %u",
               pick(1000));
    }
    unsigned nl = 1 + pick(9);
    for (unsigned i = 0; i < nl; i++) {
      sale_line l;
      memset(&l, 0, sizeof l);
      snprintf(l.line, sizeof l.line, "%u", i + 1);
      snprintf(l.sku, sizeof l.sku, "SKU-%05u", pick(20000));
      snprintf(l.name, sizeof l.name, "%s", items[pick(9)]);
      l.qty_milli = 1000 * (1 + pick(3));
      l.unit_price =
          sh->min_price + (int64_t)pick((unsigned)(sh->max_price - sh->min_price));
      l.net = l.unit_price * l.qty_milli / 1000;
      l.tax = l.net * sh->tax_pct / 100;
      if (sale_put_line(&s, &l, &err)) return 1;
      if (mixed && i > 0 && pick(3) == 0) {
        s.lines[s.nlines - 1].purpose = pick(2) ? PURPOSE_RESALE : PURPOSE_GIFT;
        if (s.lines[s.nlines - 1].purpose == PURPOSE_GIFT) {
          s.lines[s.nlines - 1].gift.tagged = 1;
          s.lines[s.nlines - 1].gift.gift_receipt = 1;
          snprintf(s.lines[s.nlines - 1].gift.recipient_name,
                   sizeof s.lines[0].gift.recipient_name, "Line recipient");
        }
      }
    }
    decision dec;
    decide(&s, &sh->cfg, &dec);
    if (dec.resale_lines && pick(100) >= 2) {
      /* US stores meet US resellers, the others European ones. */
      unsigned i;
      do i = pick(NRESELLERS); while (pool[i].us != (sh == &shops[2]));
      set_evidence(&s, &pool[i]);
      decide(&s, &sh->cfg, &dec);
    } else if (pick(10) == 0) {
      s.customer.present = 1;
      snprintf(s.customer.name, sizeof s.customer.name, "%s", names[pick(16)]);
      decide(&s, &sh->cfg, &dec);
    }
    int64_t net, tax;
    sale_totals(&s, &net, &tax);
    char completed[48];
    snprintf(completed, sizeof completed, "%.19s%s", s.at, sh->tz);
    unsigned v = pick(1000);
    store_rec rc;
    if (v < 5) {
      rc = store_record_void(st, &s, PURPOSE_OWN_USE, s.store, s.terminal, s.id,
                             "customer left", s.at, "{\"ok\":true}", &err);
      voided++;
    } else {
      rc = store_record_sale(st, &s, &dec, PURPOSE_OWN_USE, net + tax,
                             "[{\"type\":\"card\"}]", NULL, completed,
                             "{\"ok\":true}", &err);
      if (rc == STORE_REC_DONE && v < 15) {
        rc = store_record_void(st, NULL, PURPOSE_OWN_USE, s.store, s.terminal,
                               s.id, "refund", completed, "{\"ok\":true}", &err);
        voided++;
      }
    }
    if (rc == STORE_REC_FAILED) {
      fprintf(stderr, "gen_sales: sale %ld: %s\n", k + 1, err.message);
      return 1;
    }
    lines_total += (long)s.nlines;
    if ((k + 1) % 100000 == 0) fprintf(stderr, "gen_sales: %ld sales\n", k + 1);
  }
  sale_free(&s);
  store_close(st);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("generated %ld sales (%ld voided), %ld lines in %.1f s: %.0f sales/s, "
         "%.0f lines/s\n",
         n, voided, lines_total, secs, (double)n / secs, (double)lines_total / secs);
  return 0;
}
