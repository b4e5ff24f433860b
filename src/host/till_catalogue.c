/* SPDX-License-Identifier: MIT */
/*
 * till_catalogue.c - the files the till reads (see till_int.h): the
 * manifest's store defaults and the catalogue of items it sells.  Both are
 * read once, before the first key.
 */
#include "host/till_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ITEMS_MAX 500           /* catalogue entries                         */

/* The store's defaults from the manifest's "config": store id, currency
 * and default purpose.  Without a readable manifest there are none, and
 * untagged lines are own use. */
void read_manifest(till *t, const char *path) {
  char why[256];
  cJSON *m = path ? read_json(path, why, sizeof why) : NULL;
  const cJSON *cfg = m ? cJSON_GetObjectItemCaseSensitive(m, "config") : NULL;
  snprintf(t->store, sizeof t->store, "%s", cfg ? jstr(cfg, "store_id") : "");
  snprintf(t->currency, sizeof t->currency, "%s", cfg ? jstr(cfg, "currency") : "");
  const char *d = cfg ? jstr(cfg, "default_purpose") : "own_use";
  /* "ask": untagged lines have no purpose until the cashier gives one. */
  snprintf(t->dflt, sizeof t->dflt, "%s",
           strcmp(d, "ask") == 0 ? "" : d[0] ? d : "own_use");
  cJSON_Delete(m);
}

static int copy_member(const cJSON *o, const char *key, char *dst, size_t cap,
                       int required, size_t index, char *why, size_t wcap) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (v == NULL && !required) {
    dst[0] = '\0';
    return 0;
  }
  if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap ||
      (required && v->valuestring[0] == '\0')) {
    snprintf(why, wcap, "items[%zu].%s must be a string of 1 to %zu bytes", index, key,
             cap - 1);
    return -1;
  }
  memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
  return 0;
}

/* Load the catalogue: {"currency","exponent","items":[{code, barcode, sku,
 * name, net, tax}]} with net and tax per unit in minor units.  Returns 0
 * with t->items (the caller frees them), or -1 with a sentence in why;
 * t->items may then hold what was read so far, still the caller's to free. */
int read_catalogue(till *t, const char *path, char *why, size_t cap) {
  cJSON *c = read_json(path, why, cap);
  if (c == NULL) return -1;
  int rc = -1;
  const char *cur = jstr(c, "currency");
  int64_t exp = 2;
  const cJSON *items = cJSON_GetObjectItemCaseSensitive(c, "items");
  if (cur[0]) {
    if (strlen(cur) != 3) {
      snprintf(why, cap, "%s: currency must be an ISO 4217 code such as EUR", path);
      goto out;
    }
    memcpy(t->currency, cur, 4);
  }
  if (cJSON_GetObjectItemCaseSensitive(c, "exponent") &&
      jint(c, "exponent", 4, &exp) < 0) {
    snprintf(why, cap, "%s: exponent must be an integer from 0 to 4", path);
    goto out;
  }
  t->exponent = (int)exp;
  int n = cJSON_GetArraySize(items);
  if (!cJSON_IsArray(items) || n == 0 || n > ITEMS_MAX) {
    snprintf(why, cap, "%s: items must be an array of 1 to %d items", path, ITEMS_MAX);
    goto out;
  }
  t->items = calloc((size_t)n, sizeof *t->items);
  if (t->items == NULL) {
    snprintf(why, cap, "out of memory");
    goto out;
  }
  char ewhy[200];
  const cJSON *it;
  cJSON_ArrayForEach(it, items) {
    item *x = &t->items[t->nitems];
    size_t i = t->nitems;
    if (!cJSON_IsObject(it) ||
        copy_member(it, "code", x->code, sizeof x->code, 1, i, ewhy, sizeof ewhy) ||
        copy_member(it, "barcode", x->barcode, sizeof x->barcode, 0, i, ewhy,
                    sizeof ewhy) ||
        copy_member(it, "sku", x->sku, sizeof x->sku, 1, i, ewhy, sizeof ewhy) ||
        copy_member(it, "name", x->name, sizeof x->name, 1, i, ewhy, sizeof ewhy)) {
      snprintf(why, cap, "%s: %s", path,
               cJSON_IsObject(it) ? ewhy : "every item must be an object");
      goto out;
    }
    if (jint(it, "net", UNIT_AMOUNT_MAX, &x->net) < 0 ||
        jint(it, "tax", UNIT_AMOUNT_MAX, &x->tax) < 0) {
      snprintf(why, cap,
               "%s: items[%zu] needs net and tax per unit as whole minor units "
               "(cents), 0 to %" PRId64,
               path, i, UNIT_AMOUNT_MAX);
      goto out;
    }
    for (const char *p = x->code; *p; p++)
      if (!isdigit((unsigned char)*p)) {
        snprintf(why, cap, "%s: items[%zu].code must be digits (keyed at the till)",
                 path, i);
        goto out;
      }
    t->nitems++;
  }
  rc = 0;
out:
  cJSON_Delete(c);
  return rc;
}

/* The item keyed: its code or, when it has one, its barcode.  NULL when
 * the catalogue has neither. */
const item *find_item(const till *t, const char *code) {
  for (size_t i = 0; i < t->nitems; i++)
    if (strcmp(t->items[i].code, code) == 0 ||
        (t->items[i].barcode[0] && strcmp(t->items[i].barcode, code) == 0))
      return &t->items[i];
  return NULL;
}
