/* SPDX-License-Identifier: MIT */
/*
 * engine.h - one till's plugin instance: event in, reply out.
 *
 * The engine is the one place where the data flow is wired:
 *   event JSON -> event_parse -> domain (open sales) -> store scripts
 *   (hooks) -> decide -> store -> reply JSON.
 * No module it calls reaches back up.  The plugin's ABI layer (plugin.c),
 * the script tester (posintent script test) and the tests all drive it
 * through this header.
 */
#ifndef POSINTENT_ENGINE_H
#define POSINTENT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "script/hooks.h"
#include "config/manifest.h"

typedef struct engine engine;

typedef struct engine_options {
  const char *manifest_path;   /* required */
  const char *overrides_json;  /* NULL or a JSON object over "config"    */
  hooks_log_fn log;            /* NULL: stderr                           */
  void *log_ctx;
  hooks_now_fn now_ms;         /* NULL: system clock                     */
  void *now_ctx;
  hooks_trace_fn trace;        /* NULL: no hook tracing                  */
  void *trace_ctx;
} engine_options;

/* Load the manifest, open the database, load the scripts.  Returns 0, or
 * -1 with err (code "config", "storage" or "script"). */
int engine_open(const engine_options *opt, engine **out, pi_error *err);

/* Handle one event.  *reply points at the engine's reply buffer (valid until
 * the next call) and *reply_len is its length.  Returns 0 when the event
 * was handled (the reply may be {"ok":false,...} for a refused event), or a
 * posplug_status (POSPLUG_ERR_STORAGE, POSPLUG_ERR_NOMEM) when the failure
 * was the plugin's, with a reply describing it as well. */
int engine_handle(engine *e, const char *json, size_t len,
                  const char **reply, size_t *reply_len);

/* The last reply again. */
void engine_last_reply(const engine *e, const char **reply, size_t *reply_len);

/* Reload the store scripts (old ones stay active on failure). */
int engine_reload(engine *e, pi_error *err);

/* The configuration in force (borrowed). */
const plugin_config *engine_config(const engine *e);

/* The engine's database (borrowed, valid until engine_close), for a tool
 * that prepares a trial: `posintent script test` puts a fixture's
 * accounts on file in it before the events.  Not for the event path. */
struct store *engine_store(engine *e);

/* Number of open (uncompleted) sales. */
size_t engine_open_sales(const engine *e);

/* Free everything; open sales are discarded.  NULL is a no-op. */
void engine_close(engine *e);

#endif
