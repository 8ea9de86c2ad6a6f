// Bearer token check and CORS allow-list (access_control.hpp).

#include "server/access_control.hpp"

#include <algorithm>
#include <cctype>

namespace somna::server {

bool bearer_token_ok(const std::string& expected, const std::string& authorization) {
  if (expected.empty()) return true;
  constexpr size_t kScheme = 7;  // "Bearer "
  if (authorization.size() < kScheme) return false;
  std::string scheme = authorization.substr(0, kScheme);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  if (scheme != "bearer ") return false;
  std::string given = authorization.substr(kScheme);
  while (!given.empty() && given.front() == ' ') given.erase(0, 1);
  while (!given.empty() && (given.back() == ' ' || given.back() == '\r')) given.pop_back();
  // Constant time in the token's content (length differences still show).
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char g = i < given.size() ? given[i] : '\0';
    diff |= static_cast<unsigned>(static_cast<unsigned char>(g) ^
                                  static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

std::optional<std::string> allowed_origin(const std::vector<std::string>& allow,
                                          const std::string& origin) {
  if (origin.empty() || allow.empty()) return std::nullopt;
  for (const std::string& a : allow) {
    if (a == "*") return std::string("*");
    if (a == origin) return origin;
  }
  return std::nullopt;
}

}  // namespace somna::server
