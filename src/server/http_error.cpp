// Status, type name and JSON body of API errors; stage exceptions -> statuses (http_error.hpp).

#include "server/http_error.hpp"

#include "common/error.hpp"

namespace somna::server {

HttpError::HttpError(int status, std::string message)
    : std::runtime_error(std::move(message)), status_(status) {}

const char* error_type(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "timeout";
    case 411:
      return "length_required";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_media_type";
    case 416:
      return "range_not_satisfiable";
    case 422:
      return "unprocessable";
    case 431:
      return "header_too_large";
    case 500:
      return "internal";
    case 503:
      return "busy";
    case 505:
      return "http_version_not_supported";
    default:
      return "error";
  }
}

std::string default_error_message(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 401:
      return "a bearer token is required (Authorization: Bearer <token>)";
    case 404:
      return "no such endpoint";
    case 405:
      return "method not allowed on this endpoint";
    case 408:
      return "the request took too long to arrive";
    case 413:
      return "the upload is larger than the server accepts";
    case 411:
      return "a Content-Length is required";
    case 414:
      return "the request URI is too long";
    case 415:
      return "unsupported media type";
    case 422:
      return "the input cannot be analysed";
    case 431:
      return "the request head is too large";
    case 500:
      return "internal error";
    case 503:
      return "the server is busy; retry later";
    default:
      return "HTTP error " + std::to_string(status);
  }
}

nlohmann::json error_body(int status, const std::string& message, const std::string& request_id) {
  return {{"success", false},
          {"error",
           {{"code", status},
            {"type", error_type(status)},
            {"message", message},
            {"request_id", request_id}}}};
}

MappedError map_exception(std::exception_ptr e, Stage stage,
                          const std::function<std::string(const std::string&)>& scrub) {
  auto clean = [&](const std::string& s) { return scrub ? scrub(s) : s; };
  MappedError m;
  try {
    std::rethrow_exception(e);
  } catch (const HttpError& x) {
    m.status = x.status();
    m.message = clean(x.what());
  } catch (const model::ModelError&) {
    // The model is the server's, not the client's: an internal error.
    m.status = 500;
    m.log_details = true;
  } catch (const io::UnsupportedError& x) {
    m.status = 415;
    m.message = clean(x.what());
  } catch (const Error& x) {
    // After the record was read, any failure means it holds no usable ECG.
    m.status = stage == Stage::Analyse ? 422 : 400;
    m.message = clean(x.what());
  } catch (const std::bad_alloc&) {
    m.status = 500;
    m.log_details = true;
  } catch (...) {
    m.status = 500;
    m.log_details = true;
  }
  if (m.status == 500) m.message = "internal error";
  return m;
}

}  // namespace somna::server
