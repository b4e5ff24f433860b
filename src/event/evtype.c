/* SPDX-License-Identifier: MIT */
/* evtype.c - event type names; shared by the plugin and the host loader. */
#include <string.h>

#include "event/event.h"

static const char *const names[EVENT_COUNT] = {
    "",           "sale.begin",    "sale.line", "sale.customer", "sale.tag",
    "sale.total", "sale.complete", "sale.void", "scripts.reload", "ping",
    "sale.answer", "sale.return"};

event_type event_type_parse(const char *name) {
  for (int i = 1; i < EVENT_COUNT; i++)
    if (strcmp(name, names[i]) == 0) return (event_type)i;
  return EVENT_NONE;
}

const char *event_type_name(event_type t) {
  return (unsigned)t < EVENT_COUNT ? names[t] : "";
}
