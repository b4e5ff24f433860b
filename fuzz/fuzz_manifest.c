/* SPDX-License-Identifier: MIT */
/*
 * fuzz_manifest.c - libFuzzer target for the plugin.manifest parser.
 *
 * The input is a manifest file, optionally followed by a NUL byte and the
 * configuration overrides a host passes to create() (pos-host --db and
 * --scripts make such a JSON object).  The manifest bytes are written to a
 * file in a private temporary directory and read with manifest_load() and
 * manifest_read_identity(), as the plugin and the host's loader read them.
 *
 * Whatever the bytes, the contract of src/config/manifest.h must hold, or the
 * target aborts:
 *   - a refusal has an error code and a message;
 *   - an accepted manifest has every string NUL-terminated inside its
 *     array, a store country of two capital letters, a known currency, the
 *     numbers inside their documented ranges, a database path, and the
 *     same identity through both readers.
 *
 * Build: cmake -DPOSINTENT_FUZZ=ON -DCMAKE_C_COMPILER=clang (or
 * scripts/fuzz.sh).  Run: ./fuzz_manifest -dict=fuzz/event.dict CORPUS_COPY
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/manifest.h"
#include "base/money.h"
#include "domain/sale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[64];
static char path[128];

static void die(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_manifest: %s: %s\n", what, detail);
  abort();
}

static void remove_dir(void) {
  unlink(path);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  snprintf(dir, sizeof dir, "/tmp/fuzz-manifest-XXXXXX");
  if (mkdtemp(dir) == NULL) die("mkdtemp", dir);
  snprintf(path, sizeof path, "%s/plugin.manifest", dir);
  atexit(remove_dir);
  return 0;
}

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static void check_error(const pi_error *err) {
  if (err->code == NULL || err->code[0] == '\0') die("refusal", "without a code");
  if (!TERMINATED(err->message) || err->message[0] == '\0')
    die("refusal", "without a message");
  if (!TERMINATED(err->field)) die("refusal", "field not terminated");
}

static void check_identity(const manifest_identity *id) {
  if (!TERMINATED(id->name) || !TERMINATED(id->version) || !TERMINATED(id->library) ||
      !TERMINATED(id->entry))
    die("identity", "a string is not terminated");
  if (id->events & 1u) die("identity", "EVENT_NONE among the events");
}

static void check_config(const plugin_config *c) {
  if (!TERMINATED(c->database) || !TERMINATED(c->store_id) ||
      !TERMINATED(c->store_country) || !TERMINATED(c->currency) ||
      !TERMINATED(c->store_vat) || !TERMINATED(c->branch) ||
      !TERMINATED(c->contact_name) || !TERMINATED(c->scripts.dir))
    die("config", "a string is not terminated");
  if (c->database[0] == '\0') die("config", "no database");
  const char *cc = c->store_country;
  if (strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
    die("config: store_country", cc);
  if (money_exponent(c->currency) < 0) die("config: currency", c->currency);
  if (c->default_purpose < PURPOSE_NONE || c->default_purpose > PURPOSE_RESALE)
    die("config", "default_purpose out of range");
  if (c->resale != RESALE_BLOCK && c->resale != RESALE_WARN)
    die("config", "resale policy out of range");
  if (c->gift_receipt > GIFT_RECEIPT_NEVER) die("config", "gift_receipt out of range");
  if (c->durability != DURABILITY_FULL && c->durability != DURABILITY_NORMAL &&
      c->durability != DURABILITY_NONE)
    die("config", "durability out of range");
  if (c->busy_timeout_ms > 600000) die("config", "busy_timeout_ms out of range");
  if (c->accepted_evidence == 0) die("config", "no accepted evidence");
  if (c->scripts.memory_bytes < (1u << 20) || c->scripts.memory_bytes > (1024u << 20))
    die("config", "scripts.memory_mb out of range");
  if (c->scripts.hook_ms < 1 || c->scripts.hook_ms > 10000 || c->scripts.load_ms < 1 ||
      c->scripts.load_ms > 60000)
    die("config", "a script time budget out of range");
  if (c->scripts.max_file_bytes < 1024 || c->scripts.max_file_bytes > (16384u << 10))
    die("config", "scripts.max_file_kb out of range");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Manifest bytes up to the first NUL; after it, the overrides. */
  const uint8_t *nul = memchr(data, '\0', size);
  size_t mlen = nul ? (size_t)(nul - data) : size;
  char *overrides = NULL;
  if (nul) {
    size_t olen = size - mlen - 1;
    overrides = malloc(olen + 1);
    if (overrides == NULL) return 0;
    memcpy(overrides, nul + 1, olen);
    overrides[olen] = '\0';
  }
  FILE *f = fopen(path, "wb");
  if (f == NULL) die("fopen", path);
  if (fwrite(data, 1, mlen, f) != mlen) die("fwrite", path);
  fclose(f);

  manifest_identity id, id2;
  plugin_config cfg;
  pi_error err;
  pi_error_clear(&err);
  if (manifest_load(path, overrides, &id, &cfg, &err) == 0) {
    check_identity(&id);
    check_config(&cfg);
    pi_error_clear(&err);
    /* Overrides touch only "config": the identity reads the same alone. */
    if (manifest_read_identity(path, &id2, &err) != 0)
      die("read_identity refused what manifest_load took", err.message);
    if (memcmp(&id, &id2, sizeof id) != 0) die("identity", "the two readers differ");
  } else {
    check_error(&err);
    pi_error_clear(&err);
    if (manifest_read_identity(path, &id2, &err) == 0)
      check_identity(&id2);
    else
      check_error(&err);
  }
  free(overrides);
  return 0;
}
