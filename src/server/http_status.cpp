// The status table (http_status.hpp).

#include "server/http_status.hpp"

#include <algorithm>
#include <iterator>

namespace somna::server {

namespace {

constexpr HttpStatus kStatuses[] = {
    {400, "Bad Request", "bad_request", "bad request"},
    {401, "Unauthorized", "unauthorized",
     "a bearer token is required (Authorization: Bearer <token>)"},
    {403, "Forbidden", "forbidden", "forbidden"},
    {404, "Not Found", "not_found", "no such endpoint"},
    {405, "Method Not Allowed", "method_not_allowed", "method not allowed on this endpoint"},
    {408, "Request Timeout", "timeout", "the request took too long to arrive"},
    {411, "Length Required", "length_required", "a Content-Length is required"},
    {413, "Payload Too Large", "payload_too_large", "the upload is larger than the server accepts"},
    {414, "URI Too Long", "uri_too_long", "the request URI is too long"},
    {415, "Unsupported Media Type", "unsupported_media_type", "unsupported media type"},
    {416, "Range Not Satisfiable", "range_not_satisfiable", "range not satisfiable"},
    {422, "Unprocessable Entity", "unprocessable", "the input cannot be analysed"},
    {431, "Request Header Fields Too Large", "header_too_large", "the request head is too large"},
    {500, "Internal Server Error", "internal", "internal error"},
    {503, "Service Unavailable", "busy", "the server is busy; retry later"},
    {505, "HTTP Version Not Supported", "http_version_not_supported",
     "only HTTP/1.0 and HTTP/1.1 are supported"},
};

constexpr HttpStatus kUnknown = {0, "Error", "error", ""};

}  // namespace

const HttpStatus& http_status(int code) {
  const auto* it = std::find_if(std::begin(kStatuses), std::end(kStatuses),
                                [code](const HttpStatus& s) { return s.code == code; });
  return it == std::end(kStatuses) ? kUnknown : *it;
}

}  // namespace somna::server
