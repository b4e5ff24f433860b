/* SPDX-License-Identifier: MIT */
/*
 * till_json.c - the till's JSON (see till_int.h): whole files read into
 * cJSON, members read from them and from the plugin's replies, and the
 * events written for the plugin.
 */
#include "host/till_int.h"

#include <errno.h>
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
/* writing events: with the one JSON writer (base/jsonw.h)                  */

void event_start(jsonw *e, const char *type, const char *sale) {
  jw_set_max(e, EVENT_MAX);
  jw_reset(e);
  jw_object(e);
  jw_kstr(e, "type", type);
  if (sale) jw_kstr(e, "sale", sale);
}
