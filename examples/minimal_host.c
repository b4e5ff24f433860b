/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include "posplug_loader.h"

int main(int argc, char **argv) {
  const char *manifest = argc > 1 ? argv[1] : "plugin.manifest";
  posplug_loaded p;
  posplug_error err;
  if (posplug_load(manifest, &p, &err) != POSPLUG_OK)  /* ABI checked */
    return fprintf(stderr, "%s\n", err.message), 1;
  posplug_host_api host;
  memset(&host, 0, sizeof host);                 /* services not offered: NULL */
  host.struct_size = sizeof host;
  host.abi_version = POSPLUG_ABI_VERSION;
  posplug_instance *till;
  if (p.api->create(&host, manifest, NULL, &till, &err) != POSPLUG_OK)
    return fprintf(stderr, "%s: %s\n", err.where, err.message), 1;
  const char *ev = "{\"type\":\"ping\"}";
  char reply[65536];
  size_t n;
  if (p.api->handle(till, ev, strlen(ev), reply, sizeof reply, &n, &err) == POSPLUG_OK)
    printf("%s\n", reply);                       /* {"ok":true,"type":"ping",...} */
  p.api->destroy(till);
  posplug_unload(&p);
  return 0;
}
