/* SPDX-License-Identifier: MIT */
/* verify.c - a pass over the VAT numbers due for an online check: the
 * settings, the pace, the backoff, and the record (verify.h). */
#include "verify/verify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/jsonutil.h"
#include "base/utf8.h"
#include "verify/verify_int.h"

#define CONFIG_FILE_MAX (64 * 1024)

void verify_config_default(verify_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->vies_url, sizeof c->vies_url, "%s", VERIFY_VIES_URL);
  snprintf(c->hmrc_url, sizeof c->hmrc_url, "%s", VERIFY_HMRC_URL);
  c->timeout_ms = 20000;
  c->vies_per_second = 1;
  c->hmrc_per_second = 3;
  c->retry_base_s = 60;
  c->retry_max_s = 86400;
}

int verify_requester_check(char num[TAXID_COMPACT_MAX], const char *service,
                           const char *field, pi_error *err) {
  if (num[0] == '\0') return 0;
  taxid_result r;
  if (!taxid_check_vat(num, strlen(num), NULL, &r))
    return pi_fail(err, PI_E_BAD_VALUE, field, "%s is not a valid VAT number: %s", num,
                   r.message);
  int gb = strcmp(r.country, "GB") == 0;
  if (strcmp(service, "hmrc") == 0 ? !gb : !taxid_eu_vat_prefix(r.country))
    return pi_fail(err, PI_E_BAD_VALUE, field,
                   "%s: %s asks with a %s number, not a %s one", num,
                   strcmp(service, "hmrc") == 0 ? "HMRC" : "VIES",
                   strcmp(service, "hmrc") == 0 ? "GB" : "EU or XI", r.country);
  snprintf(num, TAXID_COMPACT_MAX, "%s", r.compact);
  return 0;
}

static int url_ok(const char *u, const char *field, pi_error *err) {
  if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
    return pi_fail(err, PI_E_CONFIG, field, "%s must be an http:// or https:// URL", field);
  return 0;
}

int verify_config_load(verify_config *c, const char *path, pi_error *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return pi_fail(err, PI_E_CONFIG, path, "cannot open %s: %s", path, strerror(errno));
  struct stat sb;
  char *text = malloc(CONFIG_FILE_MAX + 1);
  size_t n = text ? fread(text, 1, CONFIG_FILE_MAX + 1, f) : 0;
  int bad_read = ferror(f), private_file = fstat(fileno(f), &sb) == 0 &&
                                           (sb.st_mode & 077) == 0;
  fclose(f);
  if (text == NULL) return pi_fail(err, PI_E_NOMEM, path, "out of memory");
  if (bad_read || n > CONFIG_FILE_MAX) {
    free(text);
    return pi_fail(err, PI_E_CONFIG, path, "%s: %s", path,
                   bad_read ? "cannot be read" : "longer than 64 KiB");
  }
  text[n] = '\0';
  cJSON *root = cJSON_ParseWithLength(text, n);
  free(text);
  static const char *const known[] = {
      "vies_url", "hmrc_url", "hmrc_token_url", "hmrc_client_id", "hmrc_client_secret",
      "vies_requester", "hmrc_requester", "timeout_ms", "vies_per_second",
      "hmrc_per_second", "retry_base_s", "retry_max_s", NULL};
  int rc = 0;
  if (!cJSON_IsObject(root))
    rc = pi_fail(err, PI_E_CONFIG, path, "%s is not a JSON object", path);
  if (rc == 0) rc = ju_only_known(root, "", known, PI_E_CONFIG, "the settings", err);
  struct {
    const char *key;
    char *buf;
    size_t cap;
  } texts[] = {{"vies_url", c->vies_url, sizeof c->vies_url},
               {"hmrc_url", c->hmrc_url, sizeof c->hmrc_url},
               {"hmrc_token_url", c->hmrc_token_url, sizeof c->hmrc_token_url},
               {"hmrc_client_id", c->hmrc_client_id, sizeof c->hmrc_client_id},
               {"hmrc_client_secret", c->hmrc_client_secret, sizeof c->hmrc_client_secret},
               {"vies_requester", c->vies_requester, sizeof c->vies_requester},
               {"hmrc_requester", c->hmrc_requester, sizeof c->hmrc_requester}};
  char got[VERIFY_URL_MAX];
  for (size_t i = 0; rc == 0 && i < sizeof texts / sizeof texts[0]; i++) {
    /* An absent member keeps the default (ju_string would empty it). */
    ju_result r = ju_string(root, texts[i].key, "", JU_OPTIONAL, got,
                            texts[i].cap < sizeof got ? texts[i].cap : sizeof got, err);
    if (r == JU_FAILED) rc = -1;
    else if (r == JU_READ) snprintf(texts[i].buf, texts[i].cap, "%s", got);
  }
  memset(got, 0, sizeof got);
  struct {
    const char *key;
    int64_t *out, min, max;
  } nums[] = {{"timeout_ms", &c->timeout_ms, 1, 600000},
              {"vies_per_second", &c->vies_per_second, 1, 1000},
              {"hmrc_per_second", &c->hmrc_per_second, 1, 1000},
              {"retry_base_s", &c->retry_base_s, 0, 86400 * 7},
              {"retry_max_s", &c->retry_max_s, 0, 86400 * 30}};
  for (size_t i = 0; rc == 0 && i < sizeof nums / sizeof nums[0]; i++)
    if (ju_int(root, nums[i].key, "", JU_OPTIONAL, nums[i].min, nums[i].max, nums[i].out,
               err) == JU_FAILED)
      rc = -1;
  if (rc == 0 && c->hmrc_client_secret[0] && !private_file)
    rc = pi_fail(err, PI_E_CONFIG, "hmrc_client_secret",
                 "%s holds hmrc_client_secret but its group or others may read it "
                 "(chmod 600 %s)",
                 path, path);
  cJSON_Delete(root);
  size_t ul = strlen(c->hmrc_url);
  while (rc == 0 && ul > 0 && c->hmrc_url[ul - 1] == '/') c->hmrc_url[--ul] = '\0';
  if (rc == 0) rc = url_ok(c->vies_url, "vies_url", err);
  if (rc == 0) rc = url_ok(c->hmrc_url, "hmrc_url", err);
  if (rc == 0 && c->hmrc_token_url[0]) rc = url_ok(c->hmrc_token_url, "hmrc_token_url", err);
  if (rc == 0) rc = verify_requester_check(c->vies_requester, "vies", "vies_requester", err);
  if (rc == 0) rc = verify_requester_check(c->hmrc_requester, "hmrc", "hmrc_requester", err);
  return rc;
}

void verify_set(vcheck *v, vcheck_outcome outcome, const char *code, const char *fmt,
                ...) {
  v->outcome = outcome;
  snprintf(v->code, sizeof v->code, "%s", code);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->detail, sizeof v->detail, fmt, ap);
  va_end(ap);
  v->request_date[0] = v->consultation[0] = v->name[0] = v->address[0] = '\0';
}

/* Keep at most `cap` - 1 bytes of s, cut on a UTF-8 boundary. */
static void copy_cut(char *dst, size_t cap, const char *s, int *cut) {
  size_t n = strlen(s);
  if (n >= cap) {
    n = cap - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    if (cut) *cut = 1;
  }
  memcpy(dst, s, n);
  dst[n] = '\0';
}

void verify_json_text(const void *obj, const char *key, char *dst, size_t cap, int *cut) {
  const cJSON *m = cJSON_GetObjectItemCaseSensitive((const cJSON *)obj, key);
  dst[0] = '\0';
  if (cJSON_IsString(m) && m->valuestring) copy_cut(dst, cap, m->valuestring, cut);
}

void verify_bad_answer(vcheck *v, const http_answer *a, const char *why) {
  /* What came, shown short and printable, so the log says what to fix. */
  char seen[80];
  size_t k = 0;
  for (size_t i = 0; i < a->len && k + 1 < sizeof seen; i++) {
    unsigned char ch = (unsigned char)a->body[i];
    seen[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '.';
  }
  seen[k] = '\0';
  verify_set(v, VCHECK_UNAVAILABLE, "BAD_ANSWER",
             "an answer posintent cannot use: %s (HTTP %ld, content type \"%s\", "
             "%zu bytes: \"%s%s\")",
             why, a->status, a->content_type, a->len, seen, a->len > k ? "..." : "");
}

int verify_global_init(pi_error *err) { return http_global_init(err); }
void verify_global_cleanup(void) { http_global_cleanup(); }

/* RFC 3339 UTC of t. */
static void utc(time_t t, char out[SALE_TIME_MAX]) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, SALE_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Wait until 1/per_second has passed since the last request to service k,
 * then mark now as its last.  Only ever waits: a slow machine is never
 * faster than the limit. */
static void pace(verify_session *s, int k, int64_t per_second) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (s->last[k].tv_sec || s->last[k].tv_nsec) {
    int64_t gap = 1000000000 / per_second + (1000000000 % per_second != 0);
    int64_t since = (int64_t)(now.tv_sec - s->last[k].tv_sec) * 1000000000 +
                    (now.tv_nsec - s->last[k].tv_nsec);
    if (since < gap) {
      int64_t left = gap - since;
      struct timespec w = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
      while (nanosleep(&w, &w) != 0 && errno == EINTR) {
      }
      clock_gettime(CLOCK_MONOTONIC, &now);
    }
  }
  s->last[k] = now;
}

typedef struct pass_ctx {
  store *st;
  const verify_config *c;
  verify_session *s;
  pi_log_fn log;
  void *logctx;
  verify_stats *stats;
  pi_error *err;
} pass_ctx;

static int check_one(void *vctx, const char *number, const char *country) {
  pass_ctx *p = vctx;
  int hmrc = strcmp(country, "GB") == 0;
  if (!hmrc && !taxid_eu_vat_prefix(country)) return 0; /* CH, NO: no register here */
  p->stats->due++;
  vcheck v;
  memset(&v, 0, sizeof v);
  snprintf(v.number, sizeof v.number, "%s", number);
  snprintf(v.country, sizeof v.country, "%s", country);
  snprintf(v.service, sizeof v.service, "%s", hmrc ? "hmrc" : "vies");
  snprintf(v.requester, sizeof v.requester, "%s",
           hmrc ? p->c->hmrc_requester : p->c->vies_requester);
  pace(p->s, hmrc, hmrc ? p->c->hmrc_per_second : p->c->vies_per_second);
  time_t asked = time(NULL);
  utc(asked, v.checked_at);
  long server_wait = -1;
  int rc = hmrc ? hmrc_check(p->c, p->s, number, &v, &server_wait, p->err)
                : vies_check(p->c, number, &v, &server_wait, p->err);
  if (rc) return -1;
  if (v.outcome == VCHECK_UNAVAILABLE) {
    /* Exponential backoff over the unavailable answers in a row; the
     * server's Retry-After when it asks for longer; never beyond
     * retry_max_s. */
    int64_t before = store_vcheck_failures(p->st, number, p->err);
    if (before < 0) return -1;
    int64_t wait = p->c->retry_base_s;
    for (int64_t i = 0; i < before && wait < p->c->retry_max_s; i++) wait *= 2;
    if (server_wait > wait) wait = server_wait;
    if (wait > p->c->retry_max_s) wait = p->c->retry_max_s;
    utc(asked + (time_t)wait, v.retry_after);
  }
  if (store_vcheck_add(p->st, &v, p->err)) return -1;
  switch (v.outcome) {
  case VCHECK_VALID: p->stats->valid++; break;
  case VCHECK_INVALID: p->stats->invalid++; break;
  case VCHECK_UNAVAILABLE: p->stats->unavailable++; break;
  default: p->stats->input_error++; break;
  }
  if (v.outcome == VCHECK_VALID || v.outcome == VCHECK_INVALID)
    pi_logf(p->log, p->logctx, POSPLUG_LOG_INFO, "%s %s: %s%s%s", number, v.service,
            vcheck_outcome_name(v.outcome), v.consultation[0] ? ", consultation " : "",
            v.consultation);
  else if (v.outcome == VCHECK_UNAVAILABLE)
    pi_logf(p->log, p->logctx, POSPLUG_LOG_WARN,
            "%s %s: unavailable (%s), left unverified and asked again from %s: %s", number,
            v.service, v.code, v.retry_after, v.detail);
  else
    pi_logf(p->log, p->logctx, POSPLUG_LOG_WARN,
            "%s %s: input error (%s), not asked again: %s", number, v.service, v.code,
            v.detail);
  return 0;
}

int verify_pass(store *st, const verify_config *c, verify_session *s, int retry_now,
                pi_log_fn log, void *logctx, verify_stats *stats, pi_error *err) {
  memset(stats, 0, sizeof *stats);
  s->token_refused = 0;
  char now[SALE_TIME_MAX];
  if (retry_now) snprintf(now, sizeof now, "9999-12-31T23:59:59Z"); /* every wait over */
  else utc(time(NULL), now);
  pass_ctx p = {st, c, s, log, logctx, stats, err};
  return store_vcheck_due(st, now, NULL, check_one, &p, err) ? -1 : 0;
}
