/* SPDX-License-Identifier: MIT */
/*
 * till_json.c - the till's JSON (see till_int.h): whole files read into
 * cJSON, members read from them and from the plugin's replies, and the
 * events written for the plugin.
 */
#include "host/till_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (1024 * 1024)  /* largest catalogue or manifest we read     */

/* ======================================================================== */
/* reading                                                                  */

/* Read a whole JSON file (at most FILE_MAX bytes) into a cJSON tree.
 * Returns the tree (caller deletes) or NULL with a sentence in why. */
cJSON *read_json(const char *path, char *why, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(why, cap, "cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  char *buf = malloc(FILE_MAX + 1);
  size_t n = buf ? fread(buf, 1, FILE_MAX + 1, f) : 0;
  int bad = ferror(f);
  fclose(f);
  if (buf == NULL || bad || n > FILE_MAX) {
    snprintf(why, cap, "%s: %s", path,
             buf == NULL ? "out of memory"
             : bad       ? "read error"
                         : "larger than 1 MiB");
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  cJSON *root = cJSON_ParseWithLength(buf, n);
  free(buf);
  if (root == NULL || !cJSON_IsObject(root)) {
    snprintf(why, cap, "%s is not a JSON object", path);
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

/* The string member `key` of `o`, or "" when it is absent or no string:
 * callers compare and copy without checking. */
const char *jstr(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

/* 1 when the member `key` of `o` is true; absent or anything else is 0. */
int jbool(const cJSON *o, const char *key) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The integer member `key` of `o`, from 0 to max, into *out.  Returns 0,
 * or -1 (absent, fractional or out of range) leaving *out alone.
 * cJSON holds numbers as doubles.  Every integer below 2^53 is exact in a
 * double, and the amounts read here are bounded far below that, so they
 * come back as the very integers that were written. */
int jint(const cJSON *o, const char *key, int64_t max, int64_t *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v)) return -1;
  double d = v->valuedouble;
  if (!(d >= 0.0 && d <= (double)max)) return -1;
  int64_t i = (int64_t)d;
  if ((double)i != d) return -1;
  *out = i;
  return 0;
}

/* ======================================================================== */
/* writing events                                                           */

static void eb_raw(evb *e, const char *s) {
  size_t k = strlen(s);
  if (e->overflow || e->n + k + 1 > sizeof e->buf) {
    e->overflow = 1;
    return;
  }
  memcpy(e->buf + e->n, s, k + 1);
  e->n += k;
}

static void eb_quoted(evb *e, const char *s) {
  eb_raw(e, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[8] = {(char)*p, '\0'};
    if (*p == '"' || *p == '\\')
      snprintf(esc, sizeof esc, "\\%c", *p);
    else if (*p < 0x20)
      snprintf(esc, sizeof esc, "\\u%04x", *p);
    eb_raw(e, esc);
  }
  eb_raw(e, "\"");
}

/* Start a member (key may be NULL inside an array). */
static void eb_key(evb *e, const char *key) {
  if (!e->first[e->depth]) eb_raw(e, ",");
  e->first[e->depth] = 0;
  if (key) {
    eb_quoted(e, key);
    eb_raw(e, ":");
  }
}

/* Open an object or array (`bracket` "{" or "["): as member `key` inside
 * an object, key NULL inside an array.  Nesting is tracked 7 deep, more
 * than any event of the till's needs. */
void eb_open(evb *e, const char *key, const char *bracket) {
  if (e->depth > 0) eb_key(e, key);
  eb_raw(e, bracket);
  if (e->depth + 1 < (int)(sizeof e->first / sizeof e->first[0])) e->depth++;
  e->first[e->depth] = 1;
}

/* Close what eb_open() opened (`bracket` "}" or "]"). */
void eb_close(evb *e, const char *bracket) {
  eb_raw(e, bracket);
  if (e->depth > 0) e->depth--;
}

/* A string member (key NULL inside an array), escaped. */
void eb_str(evb *e, const char *key, const char *v) {
  eb_key(e, key);
  eb_quoted(e, v);
}

/* An integer member, written exactly. */
void eb_int(evb *e, const char *key, int64_t v) {
  char num[32];
  snprintf(num, sizeof num, "%" PRId64, v);
  eb_key(e, key);
  eb_raw(e, num);
}

/* A true/false member. */
void eb_bool(evb *e, const char *key, int v) {
  eb_key(e, key);
  eb_raw(e, v ? "true" : "false");
}

/* {"type":type,"sale":sale — the caller adds members and eb_close()s. */
void eb_event(evb *e, const char *type, const char *sale) {
  memset(e, 0, sizeof *e);
  eb_open(e, NULL, "{");
  eb_str(e, "type", type);
  if (sale) eb_str(e, "sale", sale);
}
