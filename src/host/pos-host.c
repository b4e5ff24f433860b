/* SPDX-License-Identifier: MIT */
/*
 * pos-host.c - the reference POS host.
 *
 * Loads a plugin through posplug_loader, sends it one JSON event per input
 * line and prints each reply as one JSON line.  It is what a vendor's
 * checkout does, minus the checkout: the shortest honest example of the
 * host side of include/posplug.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "posplug.h"
#include "posplug_loader.h"
#include "base/cliargs.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "host/till.h"

/* One event line may be at most this long; a longer one is refused with
 * an error reply of our own and the stream goes on. */
#define EVENT_MAX_BYTES (4u << 20)

static volatile sig_atomic_t reload_requested; /* set by SIGHUP */

static void on_sighup(int sig) {
  (void)sig;
  reload_requested = 1;
}

#ifndef POSINTENT_VERSION
#define POSINTENT_VERSION "unknown"
#endif

static const char help[] =
    "NAME\n"
    "    pos-host - reference point-of-sale host for posplug plugins\n"
    "\n"
    "SYNOPSIS\n"
    "    pos-host --manifest FILE [--events FILE|-] [--db PATH] [--scripts DIR]\n"
    "    pos-host --manifest FILE --interactive [--catalogue FILE] [--store ID]\n"
    "             [--terminal ID] [--cashier NAME] [--db PATH] [--scripts DIR]\n"
    "    pos-host --version | --help\n"
    "\n"
    "DESCRIPTION\n"
    "    Loads the plugin that FILE (a plugin.manifest) describes, then reads one\n"
    "    JSON event per line from --events (standard input by default), sends\n"
    "    each to the plugin and prints the plugin's reply as one JSON line on\n"
    "    standard output.  Blank lines and lines starting with # are skipped.\n"
    "    SIGHUP reloads the store scripts (also with --interactive, where the\n"
    "    S key does the same); the outcome is logged, and the till shows it on\n"
    "    its status line.\n"
    "\n"
    "    With --interactive, pos-host is a till a person can use instead: items\n"
    "    from a catalogue are added by code, each line is tagged with one or two\n"
    "    keys (G gift, R resale, O own use; a digit first picks the line, * the\n"
    "    whole sale), T shows what the plugin still asks, P pays, V voids, ?\n"
    "    lists every key (docs/till.md).  On a terminal it draws an 80x24 screen;\n"
    "    from a pipe it reads the same keys and writes a plain transcript.\n"
    "\n"
    "OPTIONS\n"
    "    --manifest FILE  the plugin.manifest to load (required)\n"
    "    --events FILE    events to send, one JSON object per line; - for stdin\n"
    "    --db PATH        use this database instead of the manifest's\n"
    "    --scripts DIR    use this scripts directory instead of the manifest's\n"
    "    --quiet          do not print the plugin's log lines on stderr\n"
    "    --interactive    run the terminal till (keys on stdin, screen on stdout)\n"
    "    --catalogue FILE the till's items (default: catalogue.json beside the\n"
    "                     manifest; scripts/catalogue.json is an example)\n"
    "    --store ID       store id of the till's sales (default: config.store_id)\n"
    "    --terminal ID    terminal id of the till's sales (default: T1)\n"
    "    --cashier NAME   cashier of the till's sales (default: $USER)\n"
    "    --version        print pos-host's version and the plugin ABI it speaks\n"
    "    --help           show this help\n"
    "\n"
    "    An option's value may also follow '=' (--db=PATH).\n"
    "\n"
    "EXIT STATUS\n"
    "    0  every event was handled (some replies may still say ok:false)\n"
    "    1  the plugin reported a storage or memory failure for some event\n"
    "    2  usage error (one line on stderr), or the till's catalogue is unusable\n"
    "    3  the plugin could not be loaded or created, or the terminal failed\n"
    "\n"
    "EXAMPLES\n"
    "    pos-host --manifest plugin.manifest --events scripts/demo-day.jsonl \\\n"
    "             --db /tmp/demo.db\n"
    "    echo '{\"type\":\"ping\"}' | pos-host --manifest plugin.manifest\n"
    "    pos-host --manifest build/plugin.manifest --db /tmp/till.db \\\n"
    "             --interactive --catalogue scripts/catalogue.json\n";

static int quiet;

static void host_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  const char *name = pi_log_level_name(level);
  if (quiet && level < POSPLUG_LOG_ERROR) return;
  fprintf(stderr, "pos-host: plugin %s: %s\n", name ? name : "log", msg);
}

/* The overrides JSON {"database":db,"scripts":{"dir":dir}} (either may
 * be absent) into w, at most OVERRIDES_MAX bytes.  Returns 1 when there is
 * nothing to override, 0 with the JSON in w->buf, or -1 when it does not
 * fit (or memory ran out); w is the caller's to free. */
#define OVERRIDES_MAX 4096
static int build_overrides(jsonw *w, const char *db, const char *dir) {
  if (db == NULL && dir == NULL) return 1;
  jw_set_max(w, OVERRIDES_MAX);
  jw_reset(w);
  jw_object(w);
  if (db) jw_kstr(w, "database", db);
  if (dir) {
    jw_key(w, "scripts");
    jw_object(w);
    jw_kstr(w, "dir", dir);
    jw_end_object(w);
  }
  jw_end_object(w);
  return jw_ok(w) ? 0 : -1;
}

/* Send one event and print the reply; grows the reply buffer on TOOSMALL. */
static int send_event(const posplug_plugin_api *api, posplug_instance *in,
                      const char *ev, size_t len, char **reply, size_t *cap) {
  posplug_error err;
  size_t n = 0;
  memset(&err, 0, sizeof err);
  posplug_status st = api->handle(in, ev, len, *reply, *cap, &n, &err);
  if (n >= *cap) { /* handled, but the reply did not fit: fetch it, never resend */
    char *bigger = realloc(*reply, n + 1);
    if (bigger == NULL) {
      fprintf(stderr, "pos-host: out of memory for a %zu-byte reply\n", n + 1);
      return 1;
    }
    *reply = bigger;
    *cap = n + 1;
    st = api->last_reply(in, *reply, *cap, &n);
  }
  if (st == POSPLUG_ERR_TOOSMALL || st == POSPLUG_ERR_MISUSE) {
    fprintf(stderr, "pos-host: could not read the reply\n");
    return 1;
  }
  fwrite(*reply, 1, n, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  if (st != POSPLUG_OK) {
    fprintf(stderr, "pos-host: event failed: %s\n", err.message);
    return 1;
  }
  return 0;
}

/* What the command line asked for (parse_args). */
typedef struct host_options {
  const char *manifest, *events, *db, *scripts;
  const char *catalogue, *store, *terminal, *cashier;
  int interactive;
} host_options;

/* Phase 1: the command line into *o.  Returns -1 to go on, or the exit
 * status to end with at once (--help, --version: 0; a usage error: 2). */
static int parse_args(int argc, char **argv, host_options *o, cliargs *a) {
  memset(o, 0, sizeof *o);
  o->events = "-";
  const cliargs_opt valued[] = {
      {"--manifest", &o->manifest},   {"--events", &o->events}, {"--db", &o->db},
      {"--scripts", &o->scripts},     {"--catalogue", &o->catalogue},
      {"--store", &o->store},         {"--terminal", &o->terminal},
      {"--cashier", &o->cashier},     {NULL, NULL}};
  cliargs_init(a, "pos-host", NULL, "pos-host --help", argc, argv, 1);
  for (; cliargs_cur(a); a->i++) {
    int f;
    if (cliargs_is_help(cliargs_cur(a))) {
      fputs(help, stdout);
      return 0;
    }
    if ((f = cliargs_flag(a, "--version")) != 0) {
      if (f < 0) return CLIARGS_USAGE;
      printf("pos-host %s (posplug ABI %u.%u)\n", POSINTENT_VERSION,
             (unsigned)POSPLUG_ABI_MAJOR, (unsigned)POSPLUG_ABI_MINOR);
      return 0;
    }
    if ((f = cliargs_flag(a, "--quiet")) != 0) {
      if (f < 0) return CLIARGS_USAGE;
      quiet = 1;
      continue;
    }
    if ((f = cliargs_flag(a, "--interactive")) != 0) {
      if (f < 0) return CLIARGS_USAGE;
      o->interactive = 1;
      continue;
    }
    if ((f = cliargs_take(a, valued)) == 0) return cliargs_unknown(a);
    if (f < 0) return CLIARGS_USAGE;
  }
  /* Every usage error is one line and exit status 2 (cliargs.h). */
  if (o->manifest == NULL) return cliargs_usage(a, "--manifest is required");
  if (!o->interactive && (o->catalogue || o->store || o->terminal || o->cashier))
    return cliargs_usage(a, "--catalogue, --store, --terminal and --cashier are "
                            "options of --interactive");
  if (o->interactive && strcmp(o->events, "-") != 0)
    return cliargs_usage(a, "--interactive reads keys, not --events");
  return -1;
}

/* Phase 2: load the plugin named by the manifest and create its instance
 * with the overrides built from --db and --scripts.  Returns -1 with *plug
 * and *inst ready, or the exit status (2: usage, 3: the plugin refused). */
static int open_plugin(const host_options *o, cliargs *a, posplug_loaded *plug,
                       posplug_instance **inst) {
  /* Built here, so that a path too long is a usage error; freed once
   * create() has read it. */
  jsonw overrides = {0};
  int ov = build_overrides(&overrides, o->db, o->scripts);
  if (ov < 0) {
    int too_long = jw_status_of(&overrides) == JW_TOO_LONG;
    jw_free(&overrides);
    if (!too_long) {
      fprintf(stderr, "pos-host: out of memory\n");
      return 3;
    }
    return cliargs_usage(a, "the --db and --scripts paths are too long (more than "
                            "4096 bytes together, escaped)");
  }
  posplug_error err;
  memset(&err, 0, sizeof err);
  if (posplug_load(o->manifest, plug, &err) != POSPLUG_OK) {
    fprintf(stderr, "pos-host: %s\n", err.message);
    jw_free(&overrides);
    return 3;
  }
  if (!quiet) fprintf(stderr, "pos-host: loaded %s\n", plug->library);
  static posplug_host_api host = {.struct_size = sizeof host,
                                  .abi_version = POSPLUG_ABI_VERSION,
                                  .host_ctx = NULL,
                                  .log = host_log,
                                  .now_ms = NULL};
  posplug_status created = plug->api->create(&host, o->manifest,
                                             ov == 0 ? overrides.buf : NULL, inst, &err);
  jw_free(&overrides);
  if (created == POSPLUG_OK) return -1;
  /* One location: most messages start with it already. */
  size_t wl = strlen(err.where);
  int located = wl == 0 || strncmp(err.message, err.where, wl) == 0;
  fprintf(stderr, "pos-host: %s%s%s\n", located ? "" : err.where, located ? "" : ": ",
          err.message);
  if (err.code == POSPLUG_ERR_SCRIPT)
    fprintf(stderr, "pos-host: a store script does not load, so the till does not "
                    "start (docs/hooks.md, \"Reloading\"): fix it or move it out of "
                    "the scripts folder, check the folder with `posintent script "
                    "check DIR`, then start again.\n");
  posplug_unload(plug);
  return 3;
}

/* Phase 3: SIGHUP asks for a reload; the handler only sets a flag.  The
 * event stream restarts interrupted reads (SA_RESTART): an interrupted read
 * would look like the end of input, and a line half read would be lost;
 * the reload happens before the next event.  The till wants its wait for
 * a key interrupted instead, so that it reloads at once and shows the
 * outcome; it retries the read itself. */
static void catch_sighup(int interactive) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sighup;
  sa.sa_flags = interactive ? 0 : SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, NULL);
}

/* Phase 4 (not --interactive): one event per line of `in`, one reply per
 * event on stdout.  Returns the exit status: 0, or 1 when an event failed
 * (and 1 when memory ran out, said on stderr). */
static int run_stream(const posplug_plugin_api *api, posplug_instance *inst, FILE *in) {
  size_t cap = 64 * 1024;
  char *reply = malloc(cap);
  char *line = NULL;
  size_t linecap = 0;
  ssize_t len;
  int failures = 0;
  while (reply && (len = getline(&line, &linecap, in)) >= 0) {
    if (reload_requested) {
      /* The plugin logs the outcome (once); a failure is an error line
       * even under --quiet. */
      reload_requested = 0;
      posplug_error err;
      memset(&err, 0, sizeof err);
      api->reload(inst, &err);
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    size_t skip = 0;
    while (skip < (size_t)len && (line[skip] == ' ' || line[skip] == '\t')) skip++;
    if ((size_t)len == skip || line[skip] == '#') continue;
    if ((size_t)len > EVENT_MAX_BYTES) {
      printf("{\"ok\":false,\"error\":{\"code\":\"too_long\",\"message\":\"the event "
             "is longer than %u bytes\",\"field\":\"\"}}\n",
             EVENT_MAX_BYTES);
      /* One event, one reply, written at once: a host waiting for this
       * reply would otherwise wait for ever, and a pipelining one would
       * match every later reply to the wrong event. */
      fflush(stdout);
      continue;
    }
    failures += send_event(api, inst, line, (size_t)len, &reply, &cap);
  }
  if (reply == NULL) {
    fprintf(stderr, "pos-host: out of memory\n");
    failures++;
  }
  free(line);
  free(reply);
  return failures ? 1 : 0;
}

int main(int argc, char **argv) {
  host_options o;
  cliargs a;
  int rc = parse_args(argc, argv, &o, &a);
  if (rc >= 0) return rc;
  /* The till draws on the terminal: the plugin's info lines would land in
   * the middle of the screen, so only errors are shown. */
  if (o.interactive) quiet = 1;
  FILE *in = strcmp(o.events, "-") == 0 ? stdin : fopen(o.events, "r");
  if (in == NULL) {
    fprintf(stderr, "pos-host: cannot read %s: %s\n", o.events, strerror(errno));
    return 2;
  }
  posplug_loaded plug;
  posplug_instance *inst = NULL;
  rc = open_plugin(&o, &a, &plug, &inst);
  if (rc >= 0) {
    if (in != stdin) fclose(in);
    return rc;
  }
  catch_sighup(o.interactive);
  if (o.interactive) {
    till_options topt = {.catalogue_path = o.catalogue,
                         .manifest_path = o.manifest,
                         .store = o.store,
                         .terminal = o.terminal,
                         .cashier = o.cashier,
                         .tty = isatty(fileno(stdin)) && isatty(fileno(stdout)),
                         .reload = &reload_requested};
    rc = till_run(plug.api, inst, &topt, stdin, stdout);
  } else {
    rc = run_stream(plug.api, inst, in);
  }
  plug.api->destroy(inst);
  posplug_unload(&plug);
  if (in != stdin) fclose(in);
  return rc;
}
