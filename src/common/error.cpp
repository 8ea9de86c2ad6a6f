#include "common/error.hpp"

namespace somna {

namespace {
std::string compose(const std::string& file, const std::string& message, const std::string& where) {
  std::string out;
  if (!file.empty()) out += file;
  if (!where.empty()) out += (out.empty() ? "" : ", ") + where;
  if (!out.empty()) out += ": ";
  return out + message;
}
}  // namespace

Error::Error(std::string file, std::string message, std::string where)
    : std::runtime_error(compose(file, message, where)),
      file_(std::move(file)),
      message_(std::move(message)),
      where_(std::move(where)) {}

}  // namespace somna
