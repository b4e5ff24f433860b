/* SPDX-License-Identifier: MIT */
/* netcmd.c - which command lines run in posintent-net, and running it. */
#include "cli/netcmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cliutil.h"

/* Where posintent-net is installed relative to posintent's own folder
 * (CMakeLists.txt computes it from BINDIR and LIBEXECDIR: "../libexec/
 * posintent" for the usual layout), or an absolute folder. */
#ifndef POSINTENT_NET_DIR
#error "POSINTENT_NET_DIR must be defined (CMakeLists.txt)"
#endif

#define ROW(name, sub, when, run, summary) {name, sub, when, summary},
const netcmd netcmd_rows[] = {NETCMD_LIST(ROW){NULL, NULL, NETCMD_ALWAYS, NULL}};
#undef ROW

static int row_matches(const netcmd *r, const cli_globals *g, int argc, char **argv) {
  if (argc < 1 || strcmp(argv[0], r->name) != 0) return 0;
  if (r->sub && (argc < 2 || strcmp(argv[1], r->sub) != 0)) return 0;
  return r->when == NETCMD_ALWAYS || (g->db_path && cli_db_is_server(g->db_path));
}

const netcmd *netcmd_match(const cli_globals *g, int argc, char **argv) {
  if (argc < 1) return NULL;
  /* `help NAME [SUB]`: the help of a command that lives only in
   * posintent-net is there too.  A NETCMD_SERVER_DB command's help is
   * posintent's own (it says what the server form does). */
  int help = strcmp(argv[0], "help") == 0;
  if (help) argc--, argv++;
  for (const netcmd *r = netcmd_rows; r->name; r++)
    if ((!help || r->when == NETCMD_ALWAYS) && row_matches(r, g, argc, argv)) return r;
  return NULL;
}

void netcmd_print_summaries(FILE *f, int width) {
  for (const netcmd *r = netcmd_rows; r->name; r++)
    if (r->summary) fprintf(f, "    %-*s %s\n", width, r->name, r->summary);
}

int netcmd_candidates(char paths[2][4096], int *n) {
  *n = 0;
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0 || (size_t)len >= sizeof self - 1) return -1;
  self[len] = '\0';
  char *slash = strrchr(self, '/');
  if (slash == NULL) return -1;
  *slash = '\0'; /* the folder posintent runs from */
  /* The installed layout, with the relative folder's leading "../" taken
   * off the end of posintent's folder, so that a message names
   * /usr/libexec/posintent/posintent-net rather than /usr/bin/../libexec/... */
  const char *dir = POSINTENT_NET_DIR;
  char base[4096];
  memcpy(base, self, (size_t)(slash - self) + 1);
  while (dir[0] != '/' && strncmp(dir, "../", 3) == 0 && (slash = strrchr(base, '/')) &&
         slash != base) {
    *slash = '\0';
    dir += 3;
  }
  int w = dir[0] == '/' ? snprintf(paths[*n], 4096, "%s/%s", dir, NETCMD_PROGRAM)
                        : snprintf(paths[*n], 4096, "%s/%s/%s", base, dir, NETCMD_PROGRAM);
  if (w > 0 && w < 4096) ++*n; /* the installed layout */
  w = snprintf(paths[*n], 4096, "%s/%s", self, NETCMD_PROGRAM);
  if (w > 0 && w < 4096) ++*n; /* beside posintent: the build tree */
  return 0;
}

int netcmd_exec(const char *what, char **argv) {
  char paths[2][4096];
  int n;
  if (netcmd_candidates(paths, &n)) {
    cli_error("%s: runs in %s, found beside posintent, but posintent cannot read its "
              "own path (/proc/self/exe: %s)",
              what, NETCMD_PROGRAM, strerror(errno));
    return EXIT_RUNTIME;
  }
  fflush(NULL); /* nothing written so far may be lost, nor written twice */
  for (int i = 0; i < n; i++) {
    execv(paths[i], argv);
    if (errno != ENOENT) {
      cli_error("%s: cannot run %s: %s", what, paths[i], strerror(errno));
      return EXIT_RUNTIME;
    }
  }
  /* Neither exists: a package installed in part, or a build of posintent
   * alone (cmake --build --target posintent_cli). */
  cli_error("%s: needs %s, the program that runs posintent's commands that reach a "
            "server, and it is missing (looked for %s%s%s): reinstall posintent, or "
            "build it with cmake --build BUILD_DIR",
            what, NETCMD_PROGRAM, paths[0], n > 1 ? " and " : "", n > 1 ? paths[1] : "");
  return EXIT_RUNTIME;
}
