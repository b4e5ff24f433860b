/* SPDX-License-Identifier: MIT */
/*
 * money.h - amounts in integer minor units, ISO 4217 currencies, quantities.
 *
 * Money is never a float here: an amount is an int64_t count of the
 * currency's minor unit (cents for EUR, yen for JPY, fils for BHD), and the
 * currency's exponent says where the decimal point goes when printing.
 * Quantities are integers in thousandths (qty 1.5 -> 1500).
 */
#ifndef POSINTENT_MONEY_H
#define POSINTENT_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Largest magnitude accepted for an amount: what a JSON double holds
 * exactly (2^53 - 1). */
#define MONEY_MAX INT64_C(9007199254740991)

/* The ISO 4217 minor-unit exponent of `code` (a 3-letter upper-case code,
 * NUL-terminated): 0 for JPY, 2 for EUR, 3 for BHD.  Returns -1 when the
 * code is not an active ISO 4217 currency. */
int money_exponent(const char *code);

/* *acc += v, unless the sum does not fit an int64_t: then *acc is left as
 * it was and -1 is returned (0 otherwise).  Every total of amounts goes
 * through here, so that no sum wraps around silently. */
int money_add(int64_t *acc, int64_t v);

/* Write `minor` as a decimal in major units with `exponent` decimals
 * ("12.34", "-0.05", "1500" for exponent 0) into buf[cap].  Returns the
 * length written, or -1 if cap is too small. */
int money_format(int64_t minor, int exponent, char *buf, size_t cap);

/* Convert `minor` units to whole major units rounded half away from zero
 * (HMRC and ELSTER want whole pounds/euros). */
int64_t money_round_major(int64_t minor, int exponent);

/* The share `part`/`whole` of `amount`, rounded half up: amount * part /
 * whole without an intermediate that could overflow.  Needs amount >= 0,
 * 0 <= part <= whole, whole > 0, and whole <= 2^31 (a quantity in
 * thousandths, at most SALE_QTY_MAX_MILLI), so the result is at most
 * amount.  A return of part of a line takes prorate(net, returned_after)
 * - prorate(net, returned_before): the shares of several returns add up to
 * the line's amount exactly once all of it is back. */
int64_t money_prorate(int64_t amount, int64_t part, int64_t whole);

/* Write a quantity in thousandths as a decimal without trailing zeros
 * ("1", "0.25", "2.125").  Returns the length or -1 when cap is too small. */
int qty_format(int64_t milli, char *buf, size_t cap);

#endif
