/* SPDX-License-Identifier: MIT */
/* config.c - the plugin's configuration: plugin.manifest's "config" object
 * (and a host's overrides) read into a plugin_config, strictly. */
#include "config/manifest.h"
#include "config/manifest_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/jsonutil.h"
#include "base/money.h"
#include "domain/sale.h"

void manifest_default_config(plugin_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  snprintf(cfg->database, sizeof cfg->database, "posintent.db");
  snprintf(cfg->currency, sizeof cfg->currency, "EUR");
  cfg->default_purpose = PURPOSE_OWN_USE;
  cfg->resale = RESALE_BLOCK;
  cfg->accepted_evidence = 1u << TAXID_VAT | 1u << TAXID_EORI | 1u << TAXID_CERT;
  cfg->gift_receipt = GIFT_RECEIPT_OFFER;
  cfg->durability = DURABILITY_FULL;
  cfg->busy_timeout_ms = 2000;
  snprintf(cfg->branch, sizeof cfg->branch, "000");
  cfg->scripts.memory_bytes = 32u << 20;
  cfg->scripts.hook_ms = 50;
  cfg->scripts.load_ms = 1000;
  cfg->scripts.max_file_bytes = 256u << 10;
  cfg->scripts.fail_closed = 0;
}

/* Merge `over` into `base` member by member; objects merge recursively. */
static int merge(cJSON *base, const cJSON *over) {
  for (const cJSON *it = over->child; it; it = it->next) {
    cJSON *mine = cJSON_GetObjectItemCaseSensitive(base, it->string);
    if (mine && cJSON_IsObject(mine) && cJSON_IsObject(it)) {
      if (merge(mine, it)) return -1;
      continue;
    }
    cJSON *copy = cJSON_Duplicate(it, 1);
    if (copy == NULL) return -1;
    if (mine) {
      if (!cJSON_ReplaceItemInObjectCaseSensitive(base, it->string, copy)) {
        cJSON_Delete(copy);
        return -1;
      }
    } else if (!cJSON_AddItemToObject(base, it->string, copy)) {
      cJSON_Delete(copy);
      return -1;
    }
  }
  return 0;
}

/* Pick one of `names` (NULL-terminated) for a string member; its index
 * goes to *out.  Absent: *out unchanged. */
static int read_enum(const cJSON *obj, const char *key, const char *prefix,
                     const char *const *names, int *out, pi_error *err) {
  char buf[32], path[96];
  ju_result rc = ju_string(obj, key, prefix, JU_OPTIONAL, buf, sizeof buf, err);
  if (rc != JU_READ) return rc == JU_FAILED ? -1 : 0;
  for (int i = 0; names[i]; i++)
    if (strcmp(buf, names[i]) == 0) {
      *out = i;
      return 0;
    }
  ju_path(path, sizeof path, prefix, key);
  char list[160] = "";
  for (int i = 0; names[i]; i++) {
    strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
    strncat(list, names[i], sizeof list - strlen(list) - 1);
  }
  return pi_fail(err, PI_E_CONFIG, path, "%s must be one of %s, not \"%s\"", path,
                 list, buf);
}

static int read_uint(const cJSON *obj, const char *key, const char *prefix,
                     int64_t min, int64_t max, unsigned *out, pi_error *err) {
  int64_t v;
  ju_result rc = ju_int(obj, key, prefix, JU_OPTIONAL, min, max, &v, err);
  if (rc == JU_READ) *out = (unsigned)v;
  return rc == JU_FAILED ? -1 : 0;
}

static int read_policy(const cJSON *cfgj, plugin_config *cfg, pi_error *err) {
  static const char *const known[] = {"resale_evidence", "accepted_evidence",
                                      "gift_receipt", "reverse_charge_requires_verified",
                                      NULL};
  static const char *const resale[] = {"block", "warn", NULL};
  static const char *const gift[] = {"offer", "always", "never", NULL};
  const cJSON *p;
  if (ju_object(cfgj, "policy", "config", JU_OPTIONAL, &p, err) == JU_FAILED) return -1;
  if (p == NULL) return 0;
  int r = (int)cfg->resale, g = (int)cfg->gift_receipt;
  if (ju_only_known(p, "config.policy", known, PI_E_CONFIG, "the manifest", err) ||
      read_enum(p, "resale_evidence", "config.policy", resale, &r, err) ||
      read_enum(p, "gift_receipt", "config.policy", gift, &g, err))
    return -1;
  cfg->resale = (resale_policy)r;
  cfg->gift_receipt = (gift_receipt_policy)g;
  if (ju_bool(p, "reverse_charge_requires_verified", "config.policy", JU_OPTIONAL,
              &cfg->reverse_charge_verified, err) == JU_FAILED)
    return -1;
  const cJSON *acc = cJSON_GetObjectItemCaseSensitive(p, "accepted_evidence");
  if (acc) {
    if (!cJSON_IsArray(acc) || cJSON_GetArraySize(acc) == 0)
      return pi_fail(err, PI_E_CONFIG, "config.policy.accepted_evidence",
                     "config.policy.accepted_evidence must be a non-empty array "
                     "of \"vat\", \"eori\", \"resale_cert\"");
    cfg->accepted_evidence = 0;
    for (const cJSON *it = acc->child; it; it = it->next) {
      taxid_kind k;
      if (!cJSON_IsString(it) || taxid_kind_parse(it->valuestring, &k) ||
          k == TAXID_ANY)
        return pi_fail(err, PI_E_CONFIG, "config.policy.accepted_evidence",
                       "config.policy.accepted_evidence: unknown kind %s",
                       cJSON_IsString(it) ? it->valuestring : "(not a string)");
      cfg->accepted_evidence |= 1u << k;
    }
  }
  return 0;
}

/* config.scripts.budget_signal: "auto", "none", or a real-time signal's
 * number (SIGRTMIN..SIGRTMAX of this system). */
static int read_budget_signal(const cJSON *s, const char *pre, int *out,
                              pi_error *err) {
  static const char *const names[] = {"auto", "none", NULL};
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "budget_signal");
  if (v == NULL) return 0;
  if (cJSON_IsNumber(v)) {
    int64_t n;
    if (ju_int(s, "budget_signal", pre, JU_OPTIONAL, SIGRTMIN, SIGRTMAX, &n, err) == JU_FAILED)
      return -1;
    *out = (int)n;
    return 0;
  }
  if (!cJSON_IsString(v))
    return pi_fail(err, PI_E_CONFIG, "config.scripts.budget_signal",
                   "config.scripts.budget_signal must be \"auto\", \"none\" or a "
                   "real-time signal's number (%d to %d)", SIGRTMIN, SIGRTMAX);
  int k = 0;
  if (read_enum(s, "budget_signal", pre, names, &k, err)) return -1;
  *out = k == 0 ? 0 : -1;
  return 0;
}

static int read_scripts(const cJSON *cfgj, const char *dir, plugin_config *cfg,
                        pi_error *err) {
  static const char *const known[] = {"dir",         "memory_mb", "hook_ms",
                                      "load_ms",     "max_file_kb", "on_error",
                                      "budget_signal", NULL};
  static const char *const onerr[] = {"fail_open", "fail_closed", NULL};
  const cJSON *s;
  const char *pre = "config.scripts";
  if (ju_object(cfgj, "scripts", "config", JU_OPTIONAL, &s, err) == JU_FAILED) return -1;
  if (s == NULL) return 0;
  char d[MANIFEST_PATH_MAX];
  unsigned mem = (unsigned)(cfg->scripts.memory_bytes >> 20);
  unsigned kb = (unsigned)(cfg->scripts.max_file_bytes >> 10);
  int fc = cfg->scripts.fail_closed;
  ju_result rc = ju_string(s, "dir", pre, JU_OPTIONAL, d, sizeof d, err);
  if (ju_only_known(s, pre, known, PI_E_CONFIG, "the manifest", err) || rc == JU_FAILED ||
      read_uint(s, "memory_mb", pre, 1, 1024, &mem, err) ||
      read_uint(s, "hook_ms", pre, 1, 10000, &cfg->scripts.hook_ms, err) ||
      read_uint(s, "load_ms", pre, 1, 60000, &cfg->scripts.load_ms, err) ||
      read_uint(s, "max_file_kb", pre, 1, 16384, &kb, err) ||
      read_enum(s, "on_error", pre, onerr, &fc, err) ||
      read_budget_signal(s, pre, &cfg->scripts.budget_signal, err))
    return -1;
  if (rc == JU_READ &&
      manifest_resolve(dir, d, cfg->scripts.dir, sizeof cfg->scripts.dir, "config.scripts.dir",
              err))
    return -1;
  cfg->scripts.memory_bytes = (size_t)mem << 20;
  cfg->scripts.max_file_bytes = (size_t)kb << 10;
  cfg->scripts.fail_closed = fc;
  return 0;
}

static int read_config(const cJSON *root, const char *dir, plugin_config *cfg,
                       pi_error *err) {
  static const char *const known[] = {
      "database",   "store_id",     "store_country", "currency",
      "default_purpose", "policy",  "durability",    "busy_timeout_ms",
      "store_vat",  "branch",       "contact_name",  "scripts", NULL};
  static const char *const purposes[] = {"ask", "own_use", "gift", "resale", NULL};
  static const char *const dur[] = {"full", "normal", "none", NULL};
  const char *pre = "config";
  const cJSON *c;
  char db[MANIFEST_PATH_MAX];
  manifest_default_config(cfg);
  if (ju_object(root, "config", "", JU_REQUIRED, &c, err) == JU_FAILED) return -1;
  int dp = cfg->default_purpose, du = (int)cfg->durability;
  if (ju_only_known(c, pre, known, PI_E_CONFIG, "the manifest", err) ||
      ju_string(c, "database", pre, JU_REQUIRED, db, sizeof db, err) == JU_FAILED ||
      ju_string(c, "store_id", pre, JU_REQUIRED, cfg->store_id,
                sizeof cfg->store_id, err) == JU_FAILED ||
      ju_string(c, "store_country", pre, JU_REQUIRED, cfg->store_country,
                sizeof cfg->store_country, err) == JU_FAILED ||
      ju_string(c, "currency", pre, JU_REQUIRED, cfg->currency,
                sizeof cfg->currency, err) == JU_FAILED ||
      read_enum(c, "default_purpose", pre, purposes, &dp, err) ||
      read_enum(c, "durability", pre, dur, &du, err) ||
      read_uint(c, "busy_timeout_ms", pre, 0, 600000, &cfg->busy_timeout_ms, err) ||
      ju_string(c, "store_vat", pre, JU_OPTIONAL, cfg->store_vat,
                sizeof cfg->store_vat, err) == JU_FAILED ||
      ju_string(c, "branch", pre, JU_OPTIONAL, cfg->branch, sizeof cfg->branch,
                err) == JU_FAILED ||
      ju_string(c, "contact_name", pre, JU_OPTIONAL, cfg->contact_name,
                sizeof cfg->contact_name, err) == JU_FAILED ||
      read_policy(c, cfg, err) || read_scripts(c, dir, cfg, err))
    return -1;
  if (cfg->branch[0] == '\0') snprintf(cfg->branch, sizeof cfg->branch, "000");
  /* A packaged manifest ships with the store's identity left empty; a till
   * must not record sales under no store at all. */
  if (cfg->store_id[0] == '\0')
    return pi_fail(err, PI_E_CONFIG, "config.store_id",
                   "config.store_id is empty: fill in this store's identity "
                   "(store_id, store_country, currency) in the manifest before "
                   "the till opens");
  cfg->default_purpose = dp; /* "ask" is index 0 == PURPOSE_NONE */
  cfg->durability = (durability)du;
  if (manifest_resolve(dir, db, cfg->database, sizeof cfg->database, "config.database", err))
    return -1;
  const char *cc = cfg->store_country;
  if (strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
    return pi_fail(err, PI_E_CONFIG, "config.store_country",
                   "config.store_country must be an ISO 3166 code such as DE, "
                   "not \"%s\"",
                   cc);
  if (money_exponent(cfg->currency) < 0)
    return pi_fail(err, PI_E_CONFIG, "config.currency",
                   "config.currency must be an ISO 4217 code such as EUR, not "
                   "\"%s\"",
                   cfg->currency);
  return 0;
}

int manifest_load(const char *path, const char *overrides_json,
                  manifest_identity *id, plugin_config *cfg, pi_error *err) {
  cJSON *root = manifest_parse_file(path, err);
  if (root == NULL) return -1;
  char dir[MANIFEST_PATH_MAX];
  manifest_dir_of(path, dir, sizeof dir);
  cJSON *over = NULL;
  int rc = manifest_identity_from(root, path, id, err);
  if (rc == 0 && overrides_json) {
    over = cJSON_Parse(overrides_json);
    cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "config");
    if (over == NULL || !cJSON_IsObject(over))
      rc = pi_fail(err, PI_E_CONFIG, "overrides",
                   "the configuration overrides are not a JSON object");
    else if (ju_check_text(overrides_json, strlen(overrides_json), over, -1, err))
      rc = -1;
    else if (cJSON_IsObject(c) && merge(c, over))
      rc = pi_fail(err, PI_E_NOMEM, "overrides", "out of memory");
  }
  if (rc == 0) rc = read_config(root, dir, cfg, err);
  if (rc == 0 && over) {
    /* Paths given as overrides (pos-host --db, --scripts) are the caller's,
     * relative to its current directory, not to the manifest. */
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(over, "database");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(over, "scripts");
    const cJSON *sd = sc ? cJSON_GetObjectItemCaseSensitive(sc, "dir") : NULL;
    if (cJSON_IsString(db))
      rc = manifest_resolve("", db->valuestring, cfg->database, sizeof cfg->database,
                   "config.database", err);
    if (rc == 0 && cJSON_IsString(sd))
      rc = manifest_resolve("", sd->valuestring, cfg->scripts.dir, sizeof cfg->scripts.dir,
                   "config.scripts.dir", err);
  }
  cJSON_Delete(over);
  cJSON_Delete(root);
  return rc;
}

