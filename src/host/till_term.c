/* SPDX-License-Identifier: MIT */
/*
 * till_term.c - the till's keyboard (see till_int.h): raw mode and its
 * restoration, keys with their escape sequences, and typed answers.
 *
 * On a terminal the keys come one at a time, unechoed, and a question is
 * answered on the screen's last row; from a pipe the same functions read
 * lines, and an answer is echoed into the transcript.
 */
#include "host/till_int.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

#include "base/utf8.h"

/* ======================================================================== */
/* terminal                                                                 */

/* One terminal per process: the saved settings live in statics so that the
 * atexit and signal handlers can put them back.  tcsetattr() and write()
 * are async-signal-safe. */
static struct termios g_saved;
static int g_fd = -1, g_out_fd = -1;
static volatile sig_atomic_t g_raw;

static void term_restore(void) {
  if (!g_raw) return;
  static const char reset[] = "\033[0m\033[?25h\r\n";
  if (write(g_out_fd, reset, sizeof reset - 1) < 0) { /* nothing to do */ }
  tcsetattr(g_fd, TCSAFLUSH, &g_saved);
  g_raw = 0;
}

static void on_fatal_signal(int sig) {
  term_restore();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigaction(sig, &sa, NULL);
  raise(sig);
}

static struct sigaction g_old_int, g_old_term, g_old_quit;

/* Raw mode for the terminal `fd`: the settings are saved first and put
 * back by term_cooked(), at exit, or on SIGINT/SIGTERM/SIGQUIT before the
 * signal takes its default course; `out_fd` gets the attribute reset.
 * Returns 0, or -1 with errno. */
int term_raw(int fd, int out_fd) {
  static int registered;
  if (tcgetattr(fd, &g_saved) != 0) return -1;
  struct termios raw = g_saved;
  /* Keys arrive one at a time and unechoed; ISIG stays on so that Ctrl-C
   * still interrupts (and the handler restores the terminal first). */
  raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO | IEXTEN);
  raw.c_iflag &= (tcflag_t) ~(IXON | ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  /* No Ctrl-Z: a suspended till would leave the shell in raw mode. */
  raw.c_cc[VSUSP] = _POSIX_VDISABLE;
  g_fd = fd;
  g_out_fd = out_fd;
  if (!registered) {
    atexit(term_restore);
    registered = 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
  sigaction(SIGQUIT, &sa, &g_old_quit);
  if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) return -1;
  g_raw = 1;
  return 0;
}

/* Leave raw mode (when in it) and give back the signal handlers that
 * term_raw() replaced. */
void term_cooked(void) {
  term_restore();
  sigaction(SIGINT, &g_old_int, NULL);
  sigaction(SIGTERM, &g_old_term, NULL);
  sigaction(SIGQUIT, &g_old_quit, NULL);
}

/* ======================================================================== */
/* keys                                                                     */

/* A SIGHUP arrived while the till waited for a key: reload now, between
 * keys, where no event is under way.  Returns 1 when it did. */
static int reload_if_asked(till *t) {
  if (t->reload == NULL || !*t->reload) return 0;
  *t->reload = 0;
  reload_scripts(t, "SIGHUP");
  return 1;
}

/* Wait with no limit until the terminal has a byte to read.  SIGHUP is
 * blocked while the till runs (till_run) and let through only inside
 * pselect(), atomically: a signal that arrives while a key is handled is
 * not lost until the key after.  Returns 0 when a byte is ready, -1 on an
 * error, -3 when a SIGHUP reloaded the scripts. */
static int wait_forever(till *t) {
  for (;;) {
    if (reload_if_asked(t)) return -3;
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(t->fd, &rd);
    int r = pselect(t->fd + 1, &rd, NULL, NULL, NULL, t->reload ? &t->waitmask : NULL);
    if (r > 0) return 0;
    if (r < 0 && errno != EINTR) return -1;
  }
}

/* One byte: the read-ahead one, or from the terminal (waiting at most
 * wait_ms, -1 forever) or the pipe.  -1 end of input, -2 nothing came,
 * -3 (terminal, waiting forever) a SIGHUP reloaded the scripts: the caller
 * redraws and waits again. */
static int next_byte(till *t, int wait_ms) {
  if (t->pending >= 0) {
    int c = t->pending;
    t->pending = -1;
    return c;
  }
  if (!t->tty) {
    /* The SIGHUP handler does not restart reads: an interrupted getc()
     * sets the error flag and consumes nothing, so clear it and go on. */
    int c;
    for (;;) {
      reload_if_asked(t);
      errno = 0;
      c = getc(t->in);
      if (c != EOF || !ferror(t->in) || errno != EINTR) break;
      clearerr(t->in);
    }
    t->midline = c != EOF && c != '\n';
    return c == EOF ? -1 : c;
  }
  if (wait_ms < 0) {
    int w = wait_forever(t);
    if (w) return w;
  } else {
    struct pollfd p = {.fd = t->fd, .events = POLLIN, .revents = 0};
    int r;
    do r = poll(&p, 1, wait_ms);
    while (r < 0 && errno == EINTR);
    if (r == 0) return -2;
    if (r < 0) return -1;
  }
  unsigned char c;
  ssize_t n;
  for (;;) {
    n = read(t->fd, &c, 1);
    if (n >= 0 || errno != EINTR) break;
    if (wait_ms < 0) {
      int w = wait_forever(t);
      if (w) return w;
    }
  }
  return n == 1 ? c : -1;
}

/* One key: a byte, or K_ENTER, K_BS, K_ESC, K_UP, K_DOWN, K_NONE (another
 * escape sequence), K_EOF, or K_RELOADED (no key: a SIGHUP was handled).  A lone Esc is told from an arrow key's
 * "ESC [ A" by waiting 50 ms for the rest on a terminal. */
int read_key(till *t) {
  int c = next_byte(t, -1);
  if (c == -3) return K_RELOADED;
  if (c < 0) return K_EOF;
  if (c == '\r' || c == '\n') return K_ENTER;
  if (c == 127 || c == 8) return K_BS;
  if (c != 27) return c;
  int d = next_byte(t, 50);
  if (d != '[' && d != 'O') {
    if (d >= 0) t->pending = d;
    return K_ESC;
  }
  int e;
  do e = next_byte(t, 50);
  while (e >= 0 && !(e >= 0x40 && e <= 0x7e));
  return e == 'A' ? K_UP : e == 'B' ? K_DOWN : K_NONE;
}

/* ======================================================================== */
/* answers                                                                  */

/* Cut the spaces and tabs around `s`, and a trailing CR, in place.
 * Returns the first character kept (inside s). */
char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
    s[--n] = '\0';
  return s;
}

/* Ask for a line of text.  Returns 1 with buf filled (maybe empty), or 0
 * when the cashier pressed Esc or input ended. */
int read_text(till *t, const char *prompt, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = '\0';
  if (!t->tty) {
    /* From a pipe the answer is the rest of the key's line when there is
     * one ("RDE136695976"), else the next line ("R" then "DE136695976"). */
    int c, over = 0, rest = t->midline && t->pending != '\n';
    fputs(prompt, t->out);
    for (;;) {
      while ((c = next_byte(t, -1)) >= 0 && c != '\n') {
        if (c == '\r') continue;
        if (n + 1 < cap)
          buf[n++] = (char)c;
        else
          over = 1;
      }
      buf[n] = '\0';
      if (!rest || c < 0 || over || trim(buf)[0]) break;
      rest = 0;
      n = 0;
    }
    fprintf(t->out, "%s\n", buf);
    fflush(t->out);
    if (c < 0 && n == 0) return 0;
    if (over) {
      say(t, "that answer is longer than %zu bytes; nothing was changed", cap - 1);
      return 0;
    }
    return 1;
  }
  t->ask = prompt;
  t->askbuf = buf;
  int done = 0;
  for (;;) {
    draw(t);
    int k = read_key(t);
    if (k == K_EOF || k == K_ESC) break;
    if (k == K_ENTER) {
      done = 1;
      break;
    }
    if (k == K_BS) {
      if (n > 0) n = utf8_back(buf, n); /* a whole character */
      buf[n] = '\0';
    } else if (k >= 0x20 && k < 0x100 && k != 127 && n + 1 < cap) {
      buf[n++] = (char)k;
      buf[n] = '\0';
    }
  }
  t->ask = NULL;
  t->askbuf = NULL;
  return done;
}

/* Show `prompt` on the status line and read one key from the terminal,
 * past the redraws a script reload causes.  The key, K_EOF or K_ESC. */
static int prompt_key(till *t, const char *prompt) {
  int k;
  t->ask = prompt;
  t->askbuf = NULL;
  do {
    draw(t);
    k = read_key(t);
  } while (k == K_RELOADED);
  t->ask = NULL;
  return k;
}

/* A line, or a pick by its number.  Contract in till_int.h. */
int read_text_or_pick(till *t, const char *prompt, char *buf, size_t cap, size_t npick,
                      int *picked) {
  *picked = -1;
  if (!t->tty) {
    if (!read_text(t, prompt, buf, cap)) return 0;
    if (buf[0] >= '1' && (size_t)(buf[0] - '0') <= npick && buf[1] == '\0') {
      *picked = buf[0] - '1';
      buf[0] = '\0';
    }
    return 1;
  }
  /* The first key decides: a number on offer picks, anything else begins
   * the text, which read_text() goes on with. */
  int k = prompt_key(t, prompt);
  if (k == K_EOF || k == K_ESC) return 0;
  if (k >= '1' && (size_t)(k - '0') <= npick) {
    *picked = k - '1';
    buf[0] = '\0';
    return 1;
  }
  if (k == K_ENTER) {
    buf[0] = '\0';
    return 1;
  }
  /* A printable byte is read again as the text's first key. */
  if (k >= 0x20 && k < 0x100 && k != 127) t->pending = k;
  return read_text(t, prompt, buf, cap);
}

/* Ask for one key among `choices` (lower case).  Enter gives `dflt` (0: no
 * default).  Returns the choice, or 0 when cancelled.  From a pipe the
 * answer is a line, so that "y\n" answers and leaves nothing behind. */
int ask_key(till *t, const char *prompt, const char *choices, int dflt) {
  for (int tries = 0; tries < 3; tries++) {
    int k;
    if (!t->tty) {
      char line[32];
      if (!read_text(t, prompt, line, sizeof line)) return 0;
      char *s = trim(line);
      k = s[0] ? tolower((unsigned char)s[0]) : K_ENTER;
    } else {
      k = prompt_key(t, prompt);
      if (k == K_EOF || k == K_ESC) return 0;
      if (k < 0x100) k = tolower(k);
    }
    if (k == K_ENTER && dflt) return dflt;
    if (k > 0 && k < 0x100 && strchr(choices, k)) return k;
    say(t, "please answer one of: %s", choices);
  }
  return 0;
}
