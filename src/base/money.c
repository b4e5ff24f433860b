/* SPDX-License-Identifier: MIT */
/* money.c - ISO 4217 exponents and decimal formatting of minor units. */
#include "base/money.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* Active ISO 4217 codes whose minor unit is not 2 decimals.  Every other
 * code in `codes2` has 2.  Source: ISO 4217 list one (SIX), 2024. */
static const char codes0[] =
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
static const char codes3[] = "BHD IQD JOD KWD LYD OMR TND";
static const char codes4[] = "CLF UYW";
static const char codes2[] =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV "
    "BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE "
    "CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD "
    "HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD "
    "LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG "
    "SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD "
    "TZS UAH USD UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG";

/* `code` is exactly three upper-case letters and stands in `list`. */
static int in_list(const char *list, const char *code) {
  size_t n = strlen(list);
  for (size_t i = 0; i + 3 <= n; i += 4)
    if (memcmp(list + i, code, 3) == 0) return 1;
  return 0;
}

int money_exponent(const char *code) {
  if (code == NULL || strlen(code) != 3) return -1;
  for (int i = 0; i < 3; i++)
    if (code[i] < 'A' || code[i] > 'Z') return -1;
  if (in_list(codes2, code)) return 2;
  if (in_list(codes0, code)) return 0;
  if (in_list(codes3, code)) return 3;
  if (in_list(codes4, code)) return 4;
  return -1;
}

static int64_t pow10i(int e) {
  int64_t p = 1;
  while (e-- > 0) p *= 10;
  return p;
}

int money_format(int64_t minor, int exponent, char *buf, size_t cap) {
  /* Work on the magnitude as unsigned so INT64_MIN cannot overflow. */
  uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
  const char *sign = minor < 0 ? "-" : "";
  int n;
  if (exponent <= 0) {
    n = snprintf(buf, cap, "%s%llu", sign, (unsigned long long)mag);
  } else {
    uint64_t p = (uint64_t)pow10i(exponent);
    n = snprintf(buf, cap, "%s%llu.%0*llu", sign, (unsigned long long)(mag / p),
                 exponent, (unsigned long long)(mag % p));
  }
  return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

int64_t money_round_major(int64_t minor, int exponent) {
  if (exponent <= 0) return minor;
  int64_t p = pow10i(exponent);
  int64_t q = minor / p, r = minor % p;
  if (r < 0) r = -r;
  if (r * 2 >= p) q += minor < 0 ? -1 : 1;
  return q;
}

int64_t money_prorate(int64_t amount, int64_t part, int64_t whole) {
  assert(amount >= 0 && part >= 0 && part <= whole && whole > 0 &&
         whole <= INT64_C(1) << 31);
  /* amount = a * whole + r: a * part <= amount, and r * part < whole^2
   * fits 64 bits because whole <= 2^31. */
  int64_t a = amount / whole, r = amount % whole;
  int64_t q = a * part + (r * part) / whole, rem = (r * part) % whole;
  if (2 * rem >= whole) q++;
  return q;
}

int qty_format(int64_t milli, char *buf, size_t cap) {
  char tmp[32];
  if (money_format(milli, 3, tmp, sizeof tmp) < 0) return -1;
  size_t n = strlen(tmp);
  while (n > 0 && tmp[n - 1] == '0') n--;
  if (n > 0 && tmp[n - 1] == '.') n--;
  if (n + 1 > cap) return -1;
  memcpy(buf, tmp, n);
  buf[n] = '\0';
  return (int)n;
}

int money_add(int64_t *acc, int64_t v) {
  int64_t sum;
  if (__builtin_add_overflow(*acc, v, &sum)) return -1;
  *acc = sum;
  return 0;
}
