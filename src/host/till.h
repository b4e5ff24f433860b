/* SPDX-License-Identifier: MIT */
/*
 * till.h - an interactive terminal till over the posplug ABI.
 *
 * A host feature, not a plugin one: the till speaks to the plugin only
 * through the posplug_plugin_api table of include/posplug.h, exactly as a
 * vendor's checkout would, and shows on screen what the plugin replied
 * (each line's purpose and buyer status, the prompts, the blocks and the
 * receipt lines of sale.total).  docs/till.md is the cashier's page.
 *
 * Keys (case does not matter; the full list is on the help screen, "?"):
 *   CODE Enter    add the catalogue item with that code or barcode;
 *                 "3*CODE" adds three
 *   G / R / O     tag the highlighted line (the one just added) gift,
 *                 resale or own use: one keystroke
 *   n G|R|O       tag the line shown with number n (1-9): two keystrokes
 *   * G|R|O       tag the whole sale: two keystrokes
 *   D             gift details (recipient, message, gift receipt)
 *   C customer, X remove line, T total, P pay, V void, J raw reply,
 *   S reload the store scripts, ? help, Q quit; Up/Down move the highlight.
 *
 * Two renderings of the same till: with `tty` set, the terminal is put in
 * raw mode (termios; always restored, also on SIGINT/SIGTERM) and the whole
 * 80x24 screen is redrawn with plain ANSI after every key; without it, the
 * same keys are read from a pipe and the till writes a line-oriented
 * transcript, which is what the tests drive.
 */
#ifndef POSINTENT_TILL_H
#define POSINTENT_TILL_H

#include <signal.h>
#include <stdio.h>

#include "posplug.h"

typedef struct till_options {
  const char *catalogue_path; /* catalogue JSON (scripts/catalogue.json is an
                                 example); NULL: catalogue.json in the
                                 manifest's directory                       */
  const char *manifest_path;  /* the manifest the instance was created from;
                                 read for config.store_id, config.currency
                                 and config.default_purpose                 */
  const char *store;          /* store id for sale.begin; NULL: the
                                 manifest's config.store_id                 */
  const char *terminal;       /* terminal id; NULL: "T1"                    */
  const char *cashier;        /* cashier id; NULL: $USER, else "till"       */
  int tty;                    /* 1: raw keys and a full-screen display;
                                 0: keys from a pipe, transcript out        */
  volatile sig_atomic_t *reload; /* set to 1 by the host's SIGHUP handler
                                 (installed without SA_RESTART, so that a
                                 wait for a key is interrupted); the till
                                 reloads the scripts while it waits for a
                                 key, clears the flag and shows the outcome
                                 on its status line.  NULL: no signal     */
} till_options;

/* Run the till until the cashier quits (Q) or `in` ends.
 *   api, inst  a loaded plugin and a created instance; borrowed, and used
 *              only from this thread for the duration of the call
 *   opt        see above; borrowed
 *   in, out    the keyboard and the screen; borrowed.  With opt->tty the
 *              till reads fileno(in) directly and changes its termios
 *              settings, restoring them before it returns.
 * A sale still open when the till ends is not completed; the instance
 * discards it when destroyed.
 * Returns 0 when the session ended normally, 2 when the options or the
 * catalogue are unusable (a sentence on stderr), 3 when the terminal or the
 * plugin failed in a way the till cannot go on from. */
int till_run(const posplug_plugin_api *api, posplug_instance *inst,
             const till_options *opt, FILE *in, FILE *out);

#endif
