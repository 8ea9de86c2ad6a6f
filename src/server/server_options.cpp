// Defaults of ServerOptions (server_options.hpp).

#include "server/server_options.hpp"

#include <algorithm>
#include <thread>

namespace somna::server {

int resolved_threads(const ServerOptions& o) {
  if (o.threads > 0) return o.threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int resolved_queue(const ServerOptions& o) {
  return o.queue > 0 ? o.queue : 16 * resolved_threads(o);
}

std::string default_web_root() {
#ifdef SOMNA_WEB_DIST
  return SOMNA_WEB_DIST;
#else
  return {};
#endif
}

}  // namespace somna::server
