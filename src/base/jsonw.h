/* SPDX-License-Identifier: MIT */
/*
 * jsonw.h - a small streaming JSON writer for the till's replies.
 *
 * Why not cJSON here: every event's reply was built as a cJSON tree (one
 * malloc per member), printed, and freed; cJSON also prints each number
 * through "%1.15g" and parses it back.  That was most of the time a
 * non-durable event cost (bench/bench_sale.c).  Replies are small and flat,
 * so they are written straight into one growable buffer instead.  Parsing
 * stays with cJSON, as does every JSON the plugin reads.
 *
 * Usage: jw_reset(w), then a sequence of jw_* calls that form one value;
 * jw_ok(w) says whether every call succeeded (the first failure, out of
 * memory or nesting deeper than JW_DEPTH, sticks and later calls do
 * nothing).  Keys and strings should be valid UTF-8 (event input is checked
 * before it gets here); they are escaped as JSON requires, and a byte that
 * is not UTF-8 is written as U+FFFD, so a reply is always valid.
 */
#ifndef POSINTENT_JSONW_H
#define POSINTENT_JSONW_H

#include <stddef.h>
#include <stdint.h>

#define JW_DEPTH 8

typedef struct jsonw {
  char *buf;            /* NUL-terminated output; owned, grows as needed */
  size_t len, cap;
  int failed;
  int depth;
  int first[JW_DEPTH];  /* 1 when the open container has no member yet  */
} jsonw;

void jw_reset(jsonw *w);
void jw_free(jsonw *w);
int jw_ok(const jsonw *w);

void jw_object(jsonw *w);            /* {            */
void jw_array(jsonw *w);             /* [            */
void jw_end_object(jsonw *w);        /* }            */
void jw_end_array(jsonw *w);         /* ]            */
void jw_key(jsonw *w, const char *key);

/* Values: in an array they are elements; in an object, call jw_key first. */
void jw_str(jsonw *w, const char *s);
void jw_int(jsonw *w, int64_t v);
void jw_bool(jsonw *w, int b);
void jw_raw(jsonw *w, const char *json); /* already-serialised JSON */

/* Shorthands for an object member. */
void jw_kstr(jsonw *w, const char *key, const char *s);
void jw_kint(jsonw *w, const char *key, int64_t v);
void jw_kbool(jsonw *w, const char *key, int b);

#endif
