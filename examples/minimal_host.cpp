// SPDX-License-Identifier: MIT
// minimal_host.cpp - examples/minimal_host.c as a C++17 host would write it:
// a value-initialised host table (C++17 has no designated initialisers), a
// noexcept log callback (posplug.h: callbacks must not throw), and a reply
// buffer that grows when a reply does not fit.  Builds without warnings
// under -Wall -Wextra -Wpedantic -Wold-style-cast.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "posplug_loader.h"

int main(int argc, char **argv) {
  const char *manifest = argc > 1 ? argv[1] : "plugin.manifest";
  posplug_loaded p{};
  posplug_error err{};
  if (posplug_load(manifest, &p, &err) != POSPLUG_OK) {  // ABI checked
    std::fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  posplug_host_api host{};  // every service not offered stays NULL
  host.struct_size = sizeof host;
  host.abi_version = POSPLUG_ABI_VERSION;
  host.log = [](void *, int level, const char *msg) noexcept {
    if (level >= POSPLUG_LOG_WARN) std::fprintf(stderr, "plugin: %s\n", msg);
  };
  posplug_instance *till = nullptr;
  if (p.api->create(&host, manifest, nullptr, &till, &err) != POSPLUG_OK) {
    std::fprintf(stderr, "%s: %s\n", err.where, err.message);
    posplug_unload(&p);
    return 1;
  }
  const std::string ev = R"({"type":"ping"})";
  std::vector<char> reply(16);  // small on purpose: shows the last_reply() path
  std::size_t n = 0;
  posplug_status st =
      p.api->handle(till, ev.data(), ev.size(), reply.data(), reply.size(), &n, &err);
  if (n >= reply.size()) {  // handled, but the reply did not fit: never resend
    reply.resize(n + 1);
    st = p.api->last_reply(till, reply.data(), reply.size(), &n);
  }
  if (st == POSPLUG_OK) std::printf("%s\n", reply.data());  // {"ok":true,"type":"ping",...}
  p.api->destroy(till);
  till = nullptr;  // a destroyed instance must not be used again
  posplug_unload(&p);
  return st == POSPLUG_OK ? 0 : 1;
}
