/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hooks.c - libFuzzer target for the conversion of sales into Lua
 * tables and of the scripts' answers back into C (src/script/hooks_table.c).
 *
 * It is fuzz_event with one store script loaded, fuzz/hooks-scripts/echo.lua,
 * which answers every hook with whatever JSON the sale itself carries: the
 * first line's name for on_total, the second's for on_tag, and so on (see
 * the script).  So one input drives both directions: every event turns the
 * fuzzed sale (names, ids, amounts, evidence, gift details) into Lua
 * tables, and every hook reads a fuzzed answer (arbitrary tables, strings,
 * numbers, nesting, sizes) back through the bounded readers.  The contract
 * checks are fuzz_event's: every reply is one JSON object keeping the ABI's
 * rules, whatever the script answered.
 *
 * Run: ./fuzz_hooks -dict=fuzz/event.dict CORPUS_COPY (scripts/fuzz.sh).
 */
#define FUZZ_DEFAULT_SCRIPTS POSINTENT_SOURCE_DIR "/fuzz/hooks-scripts"
#include "fuzz_event.c"
