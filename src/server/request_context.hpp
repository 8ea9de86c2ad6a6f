#pragma once
// Per-request identity and timing. cpp-httplib handles one request from routing to the access log
// on one thread, so the request id and start time live in a thread-local slot: begin() at routing,
// current() in handlers, finish() in the logger (which also covers requests that failed before
// routing, e.g. a malformed request line).

#include <chrono>
#include <string>

namespace somna::server {

struct RequestContext {
  std::string id;  // 16 hex digits
  std::chrono::steady_clock::time_point start;
  bool active = false;
  bool counted = false;  // counted in the in-flight gauge (set by the server)
};

// 16 random hex digits.
std::string new_request_id();

// Starts a request on this thread (new id, clock started) and returns it.
RequestContext& begin_request();
// The request on this thread; starts one when none is active.
RequestContext& current_request();
// Ends the request on this thread and returns its context (with elapsed time available).
RequestContext finish_request();

}  // namespace somna::server
