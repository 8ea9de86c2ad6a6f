// Access log lines (access_log.hpp).

#include "server/access_log.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace somna::server {
namespace {

std::string printable(const std::string& s, size_t max) {
  std::string o;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    o += (u < 0x20 || u == 0x7f) ? '?' : c;
    if (o.size() >= max) {
      o += "...";
      break;
    }
  }
  return o;
}

}  // namespace

std::string access_log_line(const std::string& request_id, const std::string& remote,
                            const std::string& method, const std::string& path, int status,
                            size_t bytes, double ms) {
  return fmt::format("req={} {} {} {} {} {}B {:.1f}ms", request_id, printable(remote, 64),
                     printable(method, 16), printable(path, 200), status, bytes, ms);
}

void log_access(const std::string& line) {
  spdlog::info("{}", line);
}

}  // namespace somna::server
