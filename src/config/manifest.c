/* SPDX-License-Identifier: MIT */
/* manifest.c - reading plugin.manifest and its identity (name, version,
 * abi, library, entry, events): what the host-side loader needs, built
 * once and linked into both the loader and the plugin.  The configuration
 * half is config.c. */
#include "config/manifest.h"
#include "config/manifest_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "event/event.h"
#include "base/jsonutil.h"
#include "posplug.h"

/* Read a whole file of at most MANIFEST_MAX_BYTES into a malloc'd,
 * NUL-terminated buffer. */
static char *slurp(const char *path, pi_error *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    pi_fail(err, PI_E_CONFIG, path, "cannot read manifest %s: %s", path,
            strerror(errno));
    return NULL;
  }
  char *buf = malloc(MANIFEST_MAX_BYTES + 1);
  if (buf == NULL) {
    fclose(f);
    pi_fail(err, PI_E_NOMEM, path, "out of memory reading %s", path);
    return NULL;
  }
  size_t n = fread(buf, 1, MANIFEST_MAX_BYTES + 1, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || n > MANIFEST_MAX_BYTES) {
    free(buf);
    pi_fail(err, PI_E_CONFIG, path,
            bad ? "cannot read manifest %s" : "manifest %s is larger than 256 KiB",
            path);
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

cJSON *manifest_parse_file(const char *path, pi_error *err) {
  char *text = slurp(path, err);
  if (text == NULL) return NULL;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
  if (root == NULL || !cJSON_IsObject(root)) {
    /* Report the line of the first byte cJSON could not take: cJSON sets
     * `end` on failure too, for this call alone (not cJSON_GetErrorPtr(),
     * process-wide, which instances on other threads may overwrite). */
    int line = 1;
    const char *stop = end;
    for (const char *p = text; stop && p < stop && *p; p++) line += *p == '\n';
    pi_fail(err, PI_E_CONFIG, path, "%s:%d: the manifest is not a JSON object", path,
            line);
    cJSON_Delete(root);
    root = NULL;
  } else if (ju_check_text(text, strlen(text), root, -1, err)) {
    cJSON_Delete(root); /* an escaped NUL would cut a path or an id */
    root = NULL;
  }
  free(text);
  return root;
}

/* The directory part of `path` ("" for a bare file name), into dir[cap]. */
void manifest_dir_of(const char *path, char *dir, size_t cap) {
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) + 1 : 0;
  if (n >= cap) n = cap - 1;
  memcpy(dir, path, n);
  dir[n] = '\0';
}

/* Resolve `rel` against `dir` unless it is absolute (or ":memory:"). */
int manifest_resolve(const char *dir, const char *rel, char *out, size_t cap,
                   const char *field, pi_error *err) {
  int n;
  if (rel[0] == '/' || strcmp(rel, ":memory:") == 0 || dir[0] == '\0')
    n = snprintf(out, cap, "%s", rel);
  else
    n = snprintf(out, cap, "%s%s", dir, rel);
  if (n < 0 || (size_t)n >= cap)
    return pi_fail(err, PI_E_CONFIG, field, "%s is longer than %zu bytes", field,
                   cap - 1);
  return 0;
}

static int parse_abi(const char *s, uint32_t *out) {
  unsigned major, minor;
  char extra;
  if (sscanf(s, "%u.%u%c", &major, &minor, &extra) != 2 || major > 0xffff ||
      minor > 0xffff)
    return -1;
  *out = POSPLUG_MAKE_VERSION(major, minor);
  return 0;
}

int manifest_identity_from(const cJSON *root, const char *path,
                         manifest_identity *id, pi_error *err) {
  static const char *const known[] = {"name",   "version", "abi",    "library",
                                      "entry",  "events",  "config", NULL};
  char abi[16], lib[MANIFEST_PATH_MAX], dir[MANIFEST_PATH_MAX];
  memset(id, 0, sizeof *id);
  if (ju_only_known(root, "", known, PI_E_CONFIG, "the manifest", err) ||
      ju_string(root, "name", "", JU_REQUIRED, id->name, sizeof id->name, err) == JU_FAILED ||
      ju_string(root, "version", "", JU_REQUIRED, id->version, sizeof id->version,
                err) == JU_FAILED ||
      ju_string(root, "abi", "", JU_REQUIRED, abi, sizeof abi, err) == JU_FAILED ||
      ju_string(root, "library", "", JU_REQUIRED, lib, sizeof lib, err) == JU_FAILED ||
      ju_string(root, "entry", "", JU_REQUIRED, id->entry, sizeof id->entry,
                err) == JU_FAILED)
    goto bad;
  if (parse_abi(abi, &id->abi)) {
    pi_fail(err, PI_E_CONFIG, "abi", "abi must be \"MAJOR.MINOR\", not \"%s\"", abi);
    goto bad;
  }
  manifest_dir_of(path, dir, sizeof dir);
  if (manifest_resolve(dir, lib, id->library, sizeof id->library, "library", err)) goto bad;
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "events");
  if (ev == NULL) {
    pi_fail(err, PI_E_MISSING_FIELD, "events", "events is required");
    goto bad;
  }
  if (!cJSON_IsArray(ev)) {
    pi_fail(err, PI_E_CONFIG, "events", "events must be an array of event types");
    goto bad;
  }
  for (const cJSON *it = ev->child; it; it = it->next) {
    event_type t = cJSON_IsString(it) ? event_type_parse(it->valuestring) : EVENT_NONE;
    if (t == EVENT_NONE) {
      pi_fail(err, PI_E_CONFIG, "events", "events: unknown event type %s",
              cJSON_IsString(it) ? it->valuestring : "(not a string)");
      goto bad;
    }
    id->events |= 1u << t;
  }
  return 0;
bad:
  /* Errors from the typed readers use the key as field; keep it, but say
   * which file it was in. */
  if (err && err->kind != PI_OK && err->kind != PI_E_CONFIG) pi_error_rekind(err, PI_E_CONFIG);
  return -1;
}

int manifest_read_identity(const char *path, manifest_identity *out, pi_error *err) {
  cJSON *root = manifest_parse_file(path, err);
  if (root == NULL) return -1;
  int rc = manifest_identity_from(root, path, out, err);
  cJSON_Delete(root);
  return rc;
}

