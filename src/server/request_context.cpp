// Thread-local request id and start time (request_context.hpp).

#include "server/request_context.hpp"

#include <cstdint>
#include <random>

namespace somna::server {
namespace {

thread_local RequestContext t_request;

}  // namespace

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  uint64_t v = rng();
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[size_t(i)] = hex[v & 15];
  return s;
}

RequestContext& begin_request() {
  t_request.id = new_request_id();
  t_request.start = std::chrono::steady_clock::now();
  t_request.active = true;
  t_request.counted = false;
  return t_request;
}

RequestContext& current_request() {
  if (!t_request.active) begin_request();
  return t_request;
}

RequestContext finish_request() {
  RequestContext c = current_request();
  t_request.active = false;
  return c;
}

}  // namespace somna::server
