/* error.c - filling pi_error. */
#include "error.h"

#include <stdio.h>
#include <string.h>

int pi_fail(pi_error *err, const char *code, const char *field,
            const char *fmt, ...) {
  if (err == NULL) return -1;
  err->code = code;
  snprintf(err->field, sizeof err->field, "%s", field ? field : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return -1;
}

void pi_error_clear(pi_error *err) {
  if (err == NULL) return;
  err->code = NULL;
  err->field[0] = '\0';
  err->message[0] = '\0';
}
