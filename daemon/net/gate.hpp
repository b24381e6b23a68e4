#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace sealbridge::net {

// The parts of an HTTP request the gate looks at, copied out of the parser so the rules stay
// pure functions testable without sockets. Empty string = header absent (see has_origin).
struct request_view {
  std::string_view method;
  std::string_view target;
  std::string_view host;
  std::string_view origin;
  std::string_view content_type;
  std::string_view sec_fetch_site;
  std::string_view sec_fetch_mode;
  std::string_view access_control_request_method;
  std::string_view access_control_request_headers;
  std::string_view access_control_request_private_network;
  bool is_websocket_upgrade = false;
  bool has_origin = false;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

// allowed: the request goes on to its route and `headers` are added to whatever it answers.
// Not allowed: the gate answers by itself with `status` and `headers`; for status >= 400 the
// body is the JSON error reply for `code`. A CORS preflight is answered by the gate (204).
struct gate_decision {
  bool allowed = true;
  int status = 200;
  sealbridge::errc code = sealbridge::errc::internal;
  header_list headers;
  std::string detail;  // technical reason, for the log and the reply's "detail"
};

// documents: POST /documents (upload); document: /documents/{id} (GET, DELETE).
enum class route { rpc, websocket, static_file, documents, document };

// The path part of a request target (before '?' or '#').
std::string_view target_path(std::string_view target) noexcept;
route route_of(std::string_view target) noexcept;
// Static files under /sdk/ (the JS SDK): answered with CORS headers for allowed origins.
bool is_sdk_path(std::string_view target) noexcept;

// Host must name this daemon on loopback: 127.0.0.1:PORT, localhost:PORT or [::1]:PORT
// (case-insensitive, port required). Anything else may be a DNS-rebinding attack.
bool is_allowed_host(std::string_view host, std::uint16_t port);

// "scheme://host[:port]" with scheme http or https, lower-cased, the default port removed.
// nullopt for anything else, including "null", paths, user info and trailing slashes.
std::optional<std::string> normalize_origin(std::string_view origin);

// application/json, optionally followed by parameters such as "; charset=utf-8".
bool is_json_content_type(std::string_view content_type) noexcept;

// The media type of an upload to /documents, lower-cased without parameters, when it is one of
// application/pdf, application/ofd and application/octet-stream; empty otherwise.
std::string document_media_type(std::string_view content_type);

// The {id} of /documents/{id}, empty when the target is not of that form.
std::string_view document_id_of(std::string_view target) noexcept;

class gate {
 public:
  // `allowed_origins` come from the administrator's configuration; entries that are not valid
  // origins are ignored (one trailing slash is tolerated there, never in a request).
  gate(std::uint16_t port, const std::vector<std::string>& allowed_origins);

  std::uint16_t port() const noexcept { return port_; }
  // Byte for byte against the list (entries are kept as browsers serialise origins).
  bool origin_allowed(std::string_view origin) const;
  gate_decision check(const request_view& request) const;

 private:
  gate_decision check_api_origin(const request_view& request) const;
  gate_decision check_rpc(const request_view& request) const;
  gate_decision preflight(const request_view& request) const;
  gate_decision check_websocket(const request_view& request) const;
  gate_decision check_sdk(const request_view& request) const;
  gate_decision check_documents(const request_view& request, route where) const;
  gate_decision preflight_for(const request_view& request, std::string_view methods,
                              std::string_view extra_headers) const;

  std::uint16_t port_;
  std::vector<std::string> origins_;  // canonical serialisations, the daemon's own first
};

}  // namespace sealbridge::net
