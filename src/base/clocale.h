/* SPDX-License-Identifier: MIT */
/*
 * clocale.h - numbers written the same whatever locale the host has set.
 *
 * JSON, CSV and SVG need "1.5"; printf's %g and %f, strtod and Lua's
 * tostring() follow LC_NUMERIC, which a host may set to a locale that
 * writes "1,5" (setlocale(LC_ALL, "de_DE.UTF-8") for its own screens).
 * The plugin's entry points and the reports therefore run their work with
 * the "C" locale selected for the calling thread only (POSIX uselocale()),
 * and put back whatever the thread had before: the host's own formatting,
 * and other threads, are never touched.
 */
#ifndef POSINTENT_CLOCALE_H
#define POSINTENT_CLOCALE_H

#include <locale.h>

/* What to put back; owned by the caller, usually on its stack. */
typedef struct c_locale_scope {
  locale_t saved; /* the thread's locale before; (locale_t)0: nothing to undo */
} c_locale_scope;

/* Select the "C" locale for the calling thread until c_locale_leave(s).
 * Scopes nest.  Cannot fail in a way that matters: if the C locale object
 * cannot be made (glibc returns a static one), nothing changes. */
void c_locale_enter(c_locale_scope *s);

/* Put back the locale the thread had at the matching c_locale_enter(). */
void c_locale_leave(c_locale_scope *s);

#endif
