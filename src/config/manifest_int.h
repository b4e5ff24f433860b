/* SPDX-License-Identifier: MIT */
/*
 * manifest_int.h - what manifest.c (identity) lends config.c (configuration):
 * reading the file, and resolving paths against the manifest's folder.
 * Not for other modules: they use manifest.h.
 */
#ifndef POSINTENT_MANIFEST_INT_H
#define POSINTENT_MANIFEST_INT_H

#include <cjson/cJSON.h>

#include "config/manifest.h"

/* Parse the manifest at `path` (at most MANIFEST_MAX_BYTES, strict JSON,
 * valid UTF-8) into a tree the caller frees with cJSON_Delete; NULL with err
 * (code "config") when it cannot be read or parsed. */
cJSON *manifest_parse_file(const char *path, pi_error *err);

/* The folder part of `path` ("" for a bare file name), into dir[cap]. */
void manifest_dir_of(const char *path, char *dir, size_t cap);

/* `rel` resolved against `dir` unless absolute (or ":memory:"), into
 * out[cap]; too long is an error naming `field` (code "config"). */
int manifest_resolve(const char *dir, const char *rel, char *out, size_t cap,
                     const char *field, pi_error *err);

/* The identity members of a parsed manifest `root` read from `path`. */
int manifest_identity_from(const cJSON *root, const char *path,
                           manifest_identity *id, pi_error *err);

#endif
