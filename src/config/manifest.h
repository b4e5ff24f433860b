/* SPDX-License-Identifier: MIT */
/*
 * manifest.h - plugin.manifest: what the plugin is and how it is configured.
 *
 * The manifest is one JSON object (docs/manifest.md):
 *   name, version, abi ("1.0"), library (path relative to the manifest),
 *   entry (symbol name), events (array of event types), config (object).
 * Unknown keys, wrong types and missing required keys are refused with the
 * key's dotted name, so a typo ("scirpts") is an error, not a silent default.
 *
 * The host-side loader reads only the identity part (manifest_read_identity);
 * the plugin reads the whole (manifest_load).
 */
#ifndef POSINTENT_MANIFEST_H
#define POSINTENT_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define MANIFEST_PATH_MAX 1024
#define MANIFEST_MAX_BYTES (256 * 1024)

typedef struct manifest_identity {
  char name[64];
  char version[32];
  uint32_t abi;                     /* POSPLUG_MAKE_VERSION(major, minor) */
  char library[MANIFEST_PATH_MAX];  /* resolved against the manifest's dir */
  char entry[64];
  unsigned events;                  /* bit set of EVENT_* types handled   */
} manifest_identity;

typedef enum resale_policy { RESALE_BLOCK = 0, RESALE_WARN } resale_policy;
typedef enum gift_receipt_policy { GIFT_RECEIPT_OFFER = 0, GIFT_RECEIPT_ALWAYS,
                                   GIFT_RECEIPT_NEVER } gift_receipt_policy;
/* DURABILITY_NONE is for tests and script trials only: it is the one mode
 * in which a database that cannot survive the process (":memory:", "",
 * SQLite's temporary databases) is accepted. */
typedef enum durability { DURABILITY_FULL = 0, DURABILITY_NORMAL,
                          DURABILITY_NONE } durability;

typedef struct script_limits {
  char dir[MANIFEST_PATH_MAX];      /* "" : no scripts                     */
  size_t memory_bytes;              /* Lua state cap; default 32 MiB        */
  unsigned hook_ms;                 /* budget per hook call; default 50     */
  unsigned load_ms;                 /* budget for loading all; default 1000 */
  size_t max_file_bytes;            /* per script file; default 256 KiB     */
  int fail_closed;                  /* 0 fail_open (default), 1 fail_closed */
  int budget_signal;                /* how budgets reach a script: 0 "auto"
                                       (default), -1 "none" (count hook), or
                                       that real-time signal's number       */
} script_limits;

typedef struct plugin_config {
  char database[MANIFEST_PATH_MAX]; /* resolved against the manifest's dir */
  char store_id[65];
  char store_country[3];            /* ISO 3166 alpha-2 ("DE")             */
  char currency[4];                 /* default ISO 4217 currency           */
  int default_purpose;              /* a `purpose`; PURPOSE_NONE = ask      */
  resale_policy resale;             /* missing/invalid evidence: block|warn */
  int reverse_charge_verified;      /* 1: reverse_charge only for a VAT
                                       number found valid online
                                       (policy.reverse_charge_requires_verified) */
  unsigned accepted_evidence;       /* bit set: 1<<TAXID_VAT | ...          */
  gift_receipt_policy gift_receipt;
  durability durability;
  unsigned busy_timeout_ms;         /* SQLite busy timeout; default 2000    */
  /* The store's own identity, used by EC Sales List exports. */
  char store_vat[32];               /* compact VAT number, "" if none       */
  char branch[8];                   /* HMRC branch identifier, "000"        */
  char contact_name[65];
  script_limits scripts;
} plugin_config;

/* Read and check the identity part of the manifest at `path`.
 * Returns 0, or -1 with err (field = the key, or the path for I/O). */
int manifest_read_identity(const char *path, manifest_identity *out, pi_error *err);

/* Read and check the whole manifest; `overrides_json` (NULL or a JSON
 * object) replaces members of "config" before checking.  Relative paths
 * in the manifest are resolved against the manifest's directory; paths in
 * overrides against the current directory. */
int manifest_load(const char *path, const char *overrides_json,
                  manifest_identity *id, plugin_config *cfg, pi_error *err);

/* Defaults for every config member (what an empty "config" gives). */
void manifest_default_config(plugin_config *cfg);

#endif
