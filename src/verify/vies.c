/* SPDX-License-Identifier: MIT */
/*
 * vies.c - the European Commission's VIES, REST API (check-vat-number).
 *
 * Request (POST, JSON):
 *   {"countryCode":"DE","vatNumber":"136695976",
 *    "requesterMemberStateCode":"FR","requesterNumber":"40303265045"}
 * Answer (JSON): countryCode, vatNumber, requestDate, valid (boolean),
 * requestIdentifier (the consultation number; only when a requester was
 * sent), name, address ("---" where the member state does not disclose
 * them), and userError: VALID, INVALID, or an error code.  An error may
 * also come as {"actionSucceed":false,"errorWrappers":[{"error":CODE,
 * "message":...}]} with HTTP 4xx or 5xx.  The codes (docs/verification.md
 * cites the sources): MS_UNAVAILABLE, TIMEOUT, SERVICE_UNAVAILABLE,
 * MS_MAX_CONCURRENT_REQ, GLOBAL_MAX_CONCURRENT_REQ (and their _TIME
 * variants, SERVER_BUSY) mean "no answer now"; INVALID_INPUT and
 * INVALID_REQUESTER_INFO mean the request itself was refused.  Note that
 * an unavailable member state answers valid:false with userError
 * MS_UNAVAILABLE: the code is read before `valid`, or a good number would
 * be recorded invalid.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "verify/verify_int.h"

static const char *const unavailable_codes[] = {
    "MS_UNAVAILABLE", "TIMEOUT", "SERVICE_UNAVAILABLE", "MS_MAX_CONCURRENT_REQ",
    "GLOBAL_MAX_CONCURRENT_REQ", "MS_MAX_CONCURRENT_REQ_TIME",
    "GLOBAL_MAX_CONCURRENT_REQ_TIME", "SERVER_BUSY", NULL};
static const char *const input_codes[] = {"INVALID_INPUT", "INVALID_REQUESTER_INFO",
                                          NULL};

static int listed(const char *const *list, const char *code) {
  for (; *list; list++)
    if (strcmp(*list, code) == 0) return 1;
  return 0;
}

/* The error code of an answer: errorWrappers[0].error, else a userError
 * other than VALID and INVALID; "" when none.  *message gets the
 * wrapper's message when there is one. */
static void error_code(const cJSON *root, char *code, size_t cap, char *message,
                       size_t mcap) {
  code[0] = message[0] = '\0';
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "errorWrappers");
  const cJSON *first = cJSON_IsArray(w) ? cJSON_GetArrayItem(w, 0) : NULL;
  if (cJSON_IsObject(first)) {
    verify_json_text(first, "error", code, cap, NULL);
    verify_json_text(first, "message", message, mcap, NULL);
  }
  if (code[0] == '\0') {
    char ue[VCHECK_CODE_MAX];
    verify_json_text(root, "userError", ue, sizeof ue, NULL);
    if (ue[0] && strcmp(ue, "VALID") != 0 && strcmp(ue, "INVALID") != 0)
      snprintf(code, cap, "%s", ue);
  }
}

void vies_classify(const http_answer *a, const char *number, vcheck *v) {
  if (a->status == 429) {
    verify_set(v, VCHECK_UNAVAILABLE, "HTTP_429", "VIES: too many requests (HTTP 429)");
    return;
  }
  cJSON *root = NULL;
  if (http_is_json(a->content_type)) root = cJSON_ParseWithLength(a->body, a->len);
  if (!cJSON_IsObject(root)) {
    if (a->status >= 500) {
      char code[32];
      snprintf(code, sizeof code, "HTTP_%ld", a->status);
      verify_set(v, VCHECK_UNAVAILABLE, code, "VIES: HTTP %ld", a->status);
    } else {
      verify_bad_answer(v, a, http_is_json(a->content_type) ? "its JSON cannot be read"
                                                           : "it is not JSON");
    }
    cJSON_Delete(root);
    return;
  }
  char code[VCHECK_CODE_MAX], message[160];
  error_code(root, code, sizeof code, message, sizeof message);
  const cJSON *valid = cJSON_GetObjectItemCaseSensitive(root, "valid");
  if (code[0]) {
    vcheck_outcome o = listed(input_codes, code) ? VCHECK_INPUT_ERROR : VCHECK_UNAVAILABLE;
    verify_set(v, o, code, "VIES: %s%s%s (HTTP %ld)%s", code, message[0] ? ": " : "",
               message, a->status,
               o == VCHECK_UNAVAILABLE && !listed(unavailable_codes, code)
                   ? "; a code posintent does not know, taken as no answer"
                   : "");
  } else if (a->status >= 500) {
    char c[32];
    snprintf(c, sizeof c, "HTTP_%ld", a->status);
    verify_set(v, VCHECK_UNAVAILABLE, c, "VIES: HTTP %ld", a->status);
  } else if (a->status != 200) {
    char c[32];
    snprintf(c, sizeof c, "HTTP_%ld", a->status);
    verify_set(v, VCHECK_UNAVAILABLE, c, "VIES: HTTP %ld without an error code",
               a->status);
  } else if (!cJSON_IsBool(valid)) {
    verify_bad_answer(v, a, "it has no \"valid\" member");
  } else {
    /* The answer must be about the number asked. */
    char cc[4], vn[TAXID_COMPACT_MAX];
    verify_json_text(root, "countryCode", cc, sizeof cc, NULL);
    verify_json_text(root, "vatNumber", vn, sizeof vn, NULL);
    if ((cc[0] && strncmp(cc, number, 2) != 0) || (vn[0] && strcmp(vn, number + 2) != 0)) {
      verify_bad_answer(v, a, "it is about another number");
    } else {
      int cut = 0;
      verify_set(v, cJSON_IsTrue(valid) ? VCHECK_VALID : VCHECK_INVALID, "", "VIES: %s",
                 cJSON_IsTrue(valid) ? "valid" : "not a valid number");
      verify_json_text(root, "requestDate", v->request_date, sizeof v->request_date, &cut);
      verify_json_text(root, "requestIdentifier", v->consultation, sizeof v->consultation,
                       &cut);
      verify_json_text(root, "name", v->name, sizeof v->name, &cut);
      verify_json_text(root, "address", v->address, sizeof v->address, &cut);
      if (cut) verify_bad_answer(v, a, "a member is longer than posintent keeps");
    }
  }
  cJSON_Delete(root);
}

int vies_check(const verify_config *c, const char *number, vcheck *v,
               long *retry_after_s, pi_error *err) {
  *retry_after_s = -1;
  cJSON *req = cJSON_CreateObject();
  char cc[3] = {number[0], number[1], '\0'};
  char rq[3] = {c->vies_requester[0], c->vies_requester[0] ? c->vies_requester[1] : '\0',
                '\0'};
  int ok = req && cJSON_AddStringToObject(req, "countryCode", cc) &&
           cJSON_AddStringToObject(req, "vatNumber", number + 2);
  if (ok && c->vies_requester[0])
    ok = cJSON_AddStringToObject(req, "requesterMemberStateCode", rq) &&
         cJSON_AddStringToObject(req, "requesterNumber", c->vies_requester + 2);
  char *body = ok ? cJSON_PrintUnformatted(req) : NULL;
  cJSON_Delete(req);
  if (body == NULL) return pi_fail(err, PI_E_NOMEM, "vies", "out of memory");
  static const char *const headers[] = {"Content-Type: application/json",
                                        "Accept: application/json", NULL};
  http_answer a;
  int rc = http_request("POST", c->vies_url, headers, body, HTTP_FOLLOW_REDIRECTS,
                        (long)c->timeout_ms, &a, err);
  cJSON_free(body);
  if (rc == 1)
    verify_set(v, VCHECK_UNAVAILABLE, "NO_ANSWER", "VIES: no answer from %s: %s",
               c->vies_url, a.error);
  else if (rc == 0) {
    vies_classify(&a, number, v);
    *retry_after_s = a.retry_after_s;
  }
  http_answer_free(&a);
  return rc < 0 ? -1 : 0;
}
