#pragma once
// Who may call the API: the optional bearer token (compared in constant time) and the CORS
// allow-list (exact origins or "*"). Plain functions of strings, so they are tested without HTTP.

#include <optional>
#include <string>
#include <vector>

namespace somna::server {

// True when `authorization` is "Bearer <expected>" (scheme case-insensitive). Always true when
// `expected` is empty (no token configured).
bool bearer_token_ok(const std::string& expected, const std::string& authorization);

// The value for Access-Control-Allow-Origin for a request from `origin`, or nullopt when the origin
// is not allowed (or there is no Origin header).
std::optional<std::string> allowed_origin(const std::vector<std::string>& allow,
                                          const std::string& origin);

}  // namespace somna::server
