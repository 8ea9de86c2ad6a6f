#pragma once
// One access log line per request, through spdlog: request id, client, method, path, status,
// response bytes and milliseconds, e.g.
//   req=3fa4c2d19b0e7a55 127.0.0.1 POST /predict 200 48211B 91.4ms
// The query string is left out (it could carry data); the path is cut at 200 characters and
// control characters are replaced so a client cannot forge log lines.

#include <cstddef>
#include <string>

namespace somna::server {

std::string access_log_line(const std::string& request_id, const std::string& remote,
                            const std::string& method, const std::string& path, int status,
                            size_t bytes, double ms);

void log_access(const std::string& line);

}  // namespace somna::server
