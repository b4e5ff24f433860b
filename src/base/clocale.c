/* SPDX-License-Identifier: MIT */
/* clocale.c - the "C" locale for one thread's work (see clocale.h). */
#include "base/clocale.h"

#include <pthread.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void) {
  /* glibc answers "C" with its static C locale object: nothing is
   * allocated, so nothing is ever freed. */
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

void c_locale_enter(c_locale_scope *s) {
  s->saved = (locale_t)0;
  pthread_once(&c_locale_once, make_c_locale);
  if (c_locale != (locale_t)0) s->saved = uselocale(c_locale);
}

void c_locale_leave(c_locale_scope *s) {
  if (s->saved != (locale_t)0) uselocale(s->saved);
  s->saved = (locale_t)0;
}
