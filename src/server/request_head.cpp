// HTTP/1.1 request head parser for the admission gate (request_head.hpp).

#include "server/request_head.hpp"

#include <algorithm>
#include <cctype>

#include "server/http_error.hpp"

namespace somna::server {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters (method and field names).
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string shown(std::string_view s) {
  std::string o;
  for (char c : s.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    o += u < 0x20 || u >= 0x7f ? '?' : c;
  }
  return s.size() > 40 ? o + "..." : o;
}

// Splits off the next line (without its CRLF); lines inside a head must end in CRLF.
std::string_view next_line(std::string_view& rest) {
  const size_t e = rest.find("\r\n");
  const std::string_view line = rest.substr(0, e);
  rest.remove_prefix(e == std::string_view::npos ? rest.size() : e + 2);
  return line;
}

void parse_request_line(std::string_view line, RequestHead& h) {
  const size_t a = line.find(' ');
  const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
  if (b == std::string_view::npos || line.find(' ', b + 1) != std::string_view::npos) {
    throw HttpError(400, "malformed request line '" + shown(line) + "'");
  }
  h.method = std::string(line.substr(0, a));
  h.target = std::string(line.substr(a + 1, b - a - 1));
  h.version = std::string(line.substr(b + 1));
  if (!is_token(h.method)) throw HttpError(400, "malformed method '" + shown(h.method) + "'");
  if (h.target.empty() || (h.target[0] != '/' && h.target != "*")) {
    throw HttpError(400, "request target must start with '/', got '" + shown(h.target) + "'");
  }
  if (h.version != "HTTP/1.1" && h.version != "HTTP/1.0") {
    if (h.version.rfind("HTTP/", 0) == 0) {
      throw HttpError(505, "HTTP version " + shown(h.version) + " is not supported");
    }
    throw HttpError(400, "malformed request line '" + shown(line) + "'");
  }
  h.path = h.target.substr(0, h.target.find('?'));
}

// A Content-Length value: 1 to 19 digits, nothing else (no sign, no spaces inside, no overflow).
uint64_t parse_content_length(std::string_view v) {
  const bool digits =
      !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || v.size() > 19) {
    throw HttpError(400,
                    "Content-Length must be a byte count (digits only), got '" + shown(v) + "'");
  }
  uint64_t n = 0;
  for (char c : v) n = n * 10 + uint64_t(c - '0');
  return n;
}

void add_field(std::string_view line, RequestHead& h) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
    throw HttpError(400, "malformed header field '" + shown(line) + "'");
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim(line.substr(colon + 1));
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      throw HttpError(400, "control character in header field " + shown(name));
    }
  }
  if (iequals(name, "Content-Length")) {
    const uint64_t n = parse_content_length(value);
    if (h.content_length && *h.content_length != n) {
      throw HttpError(400, "two different Content-Length values");
    }
    h.content_length = n;
  } else if (iequals(name, "Transfer-Encoding")) {
    if (!iequals(value, "chunked") || h.chunked) {
      throw HttpError(400, "Transfer-Encoding '" + shown(value) +
                               "' is not supported (only a single 'chunked')");
    }
    h.chunked = true;
  }
  h.fields.emplace_back(std::string(name), std::string(value));
}

}  // namespace

std::string RequestHead::field(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (iequals(k, name)) return v;
  }
  return {};
}

bool RequestHead::has_field(std::string_view name) const {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const auto& f) { return iequals(f.first, name); });
}

bool RequestHead::keep_alive() const {
  const std::string c = field("Connection");
  if (version == "HTTP/1.0") return iequals(c, "keep-alive");
  return !iequals(c, "close");
}

size_t find_head_end(std::string_view bytes) {
  const size_t p = bytes.find("\r\n\r\n");
  return p == std::string_view::npos ? p : p + 4;
}

RequestHead parse_request_head(std::string_view bytes) {
  if (bytes.size() > kMaxRequestHeadBytes) {
    throw HttpError(
        431, "request head is larger than " + std::to_string(kMaxRequestHeadBytes / 1024) + " KiB");
  }
  RequestHead h;
  std::string_view rest = bytes;
  // RFC 9112 2.2: a server should ignore empty lines before the request line.
  while (rest.substr(0, 2) == "\r\n") rest.remove_prefix(2);
  parse_request_line(next_line(rest), h);
  for (std::string_view line = next_line(rest); !line.empty(); line = next_line(rest)) {
    if (line.front() == ' ' || line.front() == '\t') {
      throw HttpError(400, "folded header lines are not accepted");
    }
    add_field(line, h);
  }
  if (h.chunked && h.content_length) {
    throw HttpError(400, "Content-Length and Transfer-Encoding together are not accepted");
  }
  return h;
}

}  // namespace somna::server
