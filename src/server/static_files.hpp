#pragma once
// The built web page (web/dist) served at /: files by path with their content type, index.html for
// "/" and for page routes (paths without an extension), hashed assets cached for a year, and a
// short HTML page saying how to build it when the folder has no index.html. A path that would leave
// the web root (.., symlinks pointing out) is never served.

#include <optional>
#include <string>

namespace somna::server {

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string cache_control;
};

// Content type for a file name by its extension ("application/octet-stream" when unknown).
std::string content_type_for(const std::string& name);

// The file for the URL path `url_path` under `root`: the file itself, or index.html for "/" and for
// extension-less page routes; nullopt when there is none (the caller answers 404).
std::optional<StaticFile> find_static(const std::string& root, const std::string& url_path);

// The page shown at / when `root` holds no built web page.
std::string web_not_built_page(const std::string& root);

}  // namespace somna::server
