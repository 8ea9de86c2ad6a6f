// Static web page files (static_files.hpp).

#include "server/static_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "report/html_escape.hpp"

namespace somna::server {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `rel` (a URL path without the leading '/') as a path under `root`, or nullopt when it is not a
// plain relative path (.., empty components, backslashes, NUL) or resolves outside `root`.
std::optional<fs::path> under_root(const fs::path& root, const std::string& rel) {
  if (rel.find('\\') != std::string::npos || rel.find('\0') != std::string::npos) return {};
  fs::path p = root;
  std::stringstream ss(rel);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    p /= part;
  }
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path real = fs::weakly_canonical(p, ec);
  if (ec) return std::nullopt;
  const std::string r = real_root.string(), q = real.string();
  if (q != r && q.compare(0, r.size() + 1, r + "/") != 0) return std::nullopt;
  return real;
}

}  // namespace

std::string content_type_for(const std::string& name) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".wasm", "application/wasm"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return "application/octet-stream";
  std::string ext = name.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  const auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::optional<StaticFile> find_static(const std::string& root, const std::string& url_path) {
  if (root.empty()) return std::nullopt;
  std::string rel = url_path;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  const fs::path r(root);
  std::error_code ec;
  const auto path = under_root(r, rel);
  if (path && fs::is_regular_file(*path, ec)) {
    if (auto body = read_file(*path)) {
      const std::string name = path->filename().string();
      // Vite puts content-hashed bundles in assets/: safe to cache for good.
      const bool hashed = rel.rfind("assets/", 0) == 0;
      return StaticFile{std::move(*body), content_type_for(name),
                        hashed ? "public, max-age=31536000, immutable" : "no-cache"};
    }
  }
  // "/" and page routes of the web app (no extension in the last component) get index.html.
  const std::string last =
      rel.substr(rel.find_last_of('/') == std::string::npos ? 0 : rel.find_last_of('/') + 1);
  if (last.find('.') == std::string::npos) {
    if (auto body = read_file(r / "index.html")) {
      return StaticFile{std::move(*body), "text/html; charset=utf-8", "no-cache"};
    }
  }
  return std::nullopt;
}

std::string web_not_built_page(const std::string& root) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>Somna</title></head>\n<body style=\"font-family:sans-serif;max-width:40em;"
         "margin:3em auto\">\n<h1>Somna</h1>\n<p>The web page was not built: <code>" +
         report::html_escape(root.empty() ? std::string("(no --web-root)") : root) +
         "</code> has no <code>index.html</code>. Run <code>make</code> in the source tree "
         "(it builds <code>web/dist</code>), or start <code>somna serve --web-root "
         "DIR</code>.</p>\n"
         "<p>The API works without it: <a href=\"/health\">/health</a>, <code>POST /predict</code> "
         "(see docs/api.md).</p>\n</body></html>\n";
}

}  // namespace somna::server
