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
 * It is the one JSON writer of the tree: the plugin's replies and journal
 * bodies, the report exports (report/csvout.c, report_export.c), the
 * till's events (host/till_json.c) and pos-host's overrides all write
 * through it, so escaping and its limits are the same everywhere.
 *
 * Usage: a zeroed jsonw (memset or `= {0}`), optionally jw_set_max(), then
 * jw_reset(w) and a sequence of jw_* calls that form one value; jw_ok(w)
 * says whether every call succeeded.  The first failure sticks and later
 * calls do nothing: jw_status() names it and jw_fail() turns it into a
 * pi_error.  Keys and strings should be valid UTF-8 (event input is
 * checked before it gets here); they are escaped as JSON requires (also
 * DEL, so no control byte reaches a terminal), and a byte that is not
 * UTF-8 is written as U+FFFD, so the output is always valid.
 *
 * Size limit: the output never grows past jw_max(w) bytes (JW_MAX_DEFAULT
 * unless set).  A write that would pass it fails with JW_TOO_LONG: nothing
 * is cut short, the value is refused whole.
 */
#ifndef POSINTENT_JSONW_H
#define POSINTENT_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define JW_DEPTH 8

/* The limit of a jsonw whose max is 0 (not set): 64 MiB, far above any
 * reply, journal body or export row, low enough to stop a runaway. */
#define JW_MAX_DEFAULT ((size_t)64 << 20)

typedef enum jw_status {
  JW_OK = 0,
  JW_NOMEM,    /* the buffer could not grow                              */
  JW_TOO_LONG, /* the output would pass jw_max()                         */
  JW_TOO_DEEP, /* more than JW_DEPTH open containers                     */
  JW_MISUSE    /* a close without an open                                */
} jw_status;

typedef struct jsonw {
  char *buf;            /* NUL-terminated output; owned, grows as needed */
  size_t len, cap;
  size_t max;           /* longest output in bytes; 0: JW_MAX_DEFAULT    */
  jw_status failed;     /* the first failure, JW_OK while none           */
  int depth;
  int first[JW_DEPTH];  /* 1 when the open container has no member yet  */
} jsonw;

/* Start a new value (keeps the buffer and the limit). */
void jw_reset(jsonw *w);
/* Free the buffer; w is zeroed (its limit back to the default). */
void jw_free(jsonw *w);
/* 1 when every call since jw_reset succeeded and the value is complete. */
int jw_ok(const jsonw *w);
/* The first failure since jw_reset, JW_OK when none. */
jw_status jw_status_of(const jsonw *w);
/* Set the limit on the output's length in bytes (max >= 1; it holds from
 * the next write on), and read it back. */
void jw_set_max(jsonw *w, size_t max);
size_t jw_max(const jsonw *w);
/* When !jw_ok(w): fill err (kind PI_E_NOMEM, PI_E_TOO_LONG naming the
 * limit, or PI_E_INTERNAL for nesting and an unfinished value) with
 * `field`, and return -1.  When jw_ok(w): return 0, err untouched. */
int jw_fail(const jsonw *w, pi_error *err, const char *field);

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
