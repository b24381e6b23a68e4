#include "net/gate.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace sealbridge::net {
namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) noexcept {
  return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z');
}
bool is_hex(char c) noexcept {
  return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

bool valid_dns_host(std::string_view host) noexcept {
  return !host.empty() && host.front() != '.' && host.front() != '-' &&
         std::all_of(host.begin(), host.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '.'; });
}

bool valid_ipv6_literal(std::string_view host) noexcept {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  auto inner = host.substr(1, host.size() - 2);
  return std::all_of(inner.begin(), inner.end(),
                     [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

std::optional<unsigned> parse_port(std::string_view digits) noexcept {
  if (digits.empty() || digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), is_digit)) {
    return std::nullopt;
  }
  unsigned value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (value == 0 || value > 65535) return std::nullopt;
  return value;
}

gate_decision deny(int status, errc code, std::string detail, header_list headers = {}) {
  return gate_decision{false, status, code, std::move(headers), std::move(detail)};
}

// Request headers a page may send to /rpc besides Content-Type; all are CORS-safelisted names,
// so echoing them grants nothing a simple request could not already do.
constexpr std::array<std::string_view, 3> kSafeRequestHeaders = {"accept", "accept-language",
                                                                 "content-language"};

std::string allowed_request_headers(std::string_view requested, std::string_view extra = {}) {
  std::string out = "Content-Type";
  if (!extra.empty()) out += ", " + std::string(extra);
  while (!requested.empty()) {
    auto comma = requested.find(',');
    auto name = to_lower(trim(requested.substr(0, comma)));
    requested = comma == std::string_view::npos ? std::string_view{} : requested.substr(comma + 1);
    if (std::find(kSafeRequestHeaders.begin(), kSafeRequestHeaders.end(), name) !=
            kSafeRequestHeaders.end() &&
        out.find(", " + name) == std::string::npos) {
      out += ", " + name;
    }
  }
  return out;
}

}  // namespace

std::string_view target_path(std::string_view target) noexcept {
  return target.substr(0, target.find_first_of("?#"));
}

bool is_sdk_path(std::string_view target) noexcept {
  return target_path(target).substr(0, 5) == "/sdk/";
}

route route_of(std::string_view target) noexcept {
  auto path = target_path(target);
  if (path == "/rpc") return route::rpc;
  if (path == "/ws") return route::websocket;
  if (path == "/documents") return route::documents;
  if (path.substr(0, 11) == "/documents/") return route::document;
  return route::static_file;
}

std::string_view document_id_of(std::string_view target) noexcept {
  auto path = target_path(target);
  if (path.substr(0, 11) != "/documents/") return {};
  auto id = path.substr(11);
  if (id.empty() || id.size() > 64 || !std::all_of(id.begin(), id.end(), is_alnum)) return {};
  return id;
}

std::string document_media_type(std::string_view content_type) {
  auto type = to_lower(trim(content_type.substr(0, content_type.find(';'))));
  for (std::string_view known :
       {"application/pdf", "application/ofd", "application/octet-stream"}) {
    if (type == known) return type;
  }
  return {};
}

bool is_allowed_host(std::string_view host, std::uint16_t port) {
  auto value = to_lower(host);
  auto suffix = ":" + std::to_string(port);
  for (std::string_view name : {"127.0.0.1", "localhost", "[::1]"}) {
    if (value == std::string(name) + suffix) return true;
  }
  return false;
}

std::optional<std::string> normalize_origin(std::string_view origin) {
  auto sep = origin.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  auto scheme = to_lower(origin.substr(0, sep));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  auto authority = origin.substr(sep + 3);

  std::string_view host;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    rest = authority.substr(close + 1);
    if (!valid_ipv6_literal(host)) return std::nullopt;
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    if (!valid_dns_host(host)) return std::nullopt;
  }

  // A plain flag and value rather than std::optional: GCC 12 at -O2 reports the optional's
  // payload as maybe-uninitialized here.
  bool has_port = false;
  unsigned port = 0;
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    auto parsed = parse_port(rest.substr(1));
    if (!parsed) return std::nullopt;
    has_port = true;
    port = *parsed;
  }
  if ((scheme == "http" && port == 80u) || (scheme == "https" && port == 443u)) has_port = false;

  auto out = scheme + "://" + to_lower(host);
  if (has_port) out += ":" + std::to_string(port);
  return out;
}

bool is_json_content_type(std::string_view content_type) noexcept {
  return iequals(trim(content_type.substr(0, content_type.find(';'))), "application/json");
}

gate::gate(std::uint16_t port, const std::vector<std::string>& allowed_origins) : port_(port) {
  auto p = std::to_string(port);
  for (std::string_view scheme : {"http", "https"}) {
    for (std::string_view host : {"127.0.0.1", "localhost", "[::1]"}) {
      if (auto own = normalize_origin(std::string(scheme) + "://" + std::string(host) + ":" + p)) {
        origins_.push_back(*own);
      }
    }
  }
  // A configured entry is stored the way browsers serialise an origin (lower case, no default
  // port), so a request matches only when its Origin header has exactly those bytes.
  for (std::string_view configured : allowed_origins) {
    if (configured.size() > 1 && configured.back() == '/') configured.remove_suffix(1);
    if (auto normalized = normalize_origin(configured)) origins_.push_back(*normalized);
  }
}

bool gate::origin_allowed(std::string_view origin) const {
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

gate_decision gate::check(const request_view& request) const {
  // An absolute-form target would carry its own authority next to Host; we only serve paths.
  if (request.target.empty() || request.target.front() != '/') {
    return deny(400, errc::bad_request, "request target is not an absolute path");
  }
  if (request.host.empty()) return deny(400, errc::host_not_allowed, "missing Host header");
  if (!is_allowed_host(request.host, port_)) {
    return deny(403, errc::host_not_allowed, "Host is not a loopback name with our port");
  }
  switch (route_of(request.target)) {
    case route::rpc:
      return check_rpc(request);
    case route::websocket:
      return check_websocket(request);
    case route::documents:
    case route::document:
      return check_documents(request, route_of(request.target));
    case route::static_file:
      break;
  }
  if (is_sdk_path(request.target)) return check_sdk(request);
  if (request.method != "GET" && request.method != "HEAD") {
    return deny(405, errc::not_supported, "method not allowed", {{"Allow", "GET, HEAD"}});
  }
  return {};
}

// The SDK is loaded by portal pages as an ES module, and module scripts are fetched in CORS
// mode: allowed origins need the same CORS answer as for /rpc. Everyone still gets the bytes
// (a classic <script> or a no-cors probe reads nothing it could not read anyway).
gate_decision gate::check_sdk(const request_view& request) const {
  if (request.method == "OPTIONS") return preflight_for(request, "GET, HEAD", {});
  if (request.method != "GET" && request.method != "HEAD") {
    return deny(405, errc::not_supported, "method not allowed",
                {{"Allow", "GET, HEAD, OPTIONS"}, {"Vary", "Origin"}});
  }
  gate_decision decision;
  if (request.has_origin && origin_allowed(request.origin)) {
    decision.headers.emplace_back("Access-Control-Allow-Origin", std::string(request.origin));
  }
  decision.headers.emplace_back("Vary", "Origin");
  return decision;
}

gate_decision gate::check_api_origin(const request_view& request) const {
  if (request.has_origin) {
    if (origin_allowed(request.origin)) return {};
    return deny(403, errc::origin_not_allowed, "Origin is not in the allowlist");
  }
  // Browsers send Origin on every cross-origin and every POST/WebSocket request; a browser
  // request (it carries Sec-Fetch-*) without one is not something we can attribute.
  if (!request.sec_fetch_site.empty() || !request.sec_fetch_mode.empty()) {
    return deny(403, errc::origin_not_allowed, "browser request without Origin");
  }
  return {};
}

gate_decision gate::check_rpc(const request_view& request) const {
  if (request.method == "OPTIONS") return preflight(request);

  auto decision = check_api_origin(request);
  decision.headers.emplace_back("Vary", "Origin");
  if (!decision.allowed) return decision;

  header_list cors;
  if (request.has_origin) cors.emplace_back("Access-Control-Allow-Origin", request.origin);
  cors.emplace_back("Vary", "Origin");

  if (request.method != "POST") {
    cors.emplace_back("Allow", "POST, OPTIONS");
    return deny(405, errc::not_supported, "method not allowed on /rpc", std::move(cors));
  }
  if (!is_json_content_type(request.content_type)) {
    return deny(415, errc::unsupported_media_type, "Content-Type must be application/json",
                std::move(cors));
  }
  decision.headers = std::move(cors);
  return decision;
}

gate_decision gate::check_documents(const request_view& request, route where) const {
  const bool upload = where == route::documents;
  if (request.method == "OPTIONS") {
    return upload ? preflight_for(request, "POST", "X-Document-Name")
                  : preflight_for(request, "GET, DELETE", {});
  }
  auto decision = check_api_origin(request);
  decision.headers.emplace_back("Vary", "Origin");
  if (!decision.allowed) return decision;

  header_list cors;
  if (request.has_origin) cors.emplace_back("Access-Control-Allow-Origin", request.origin);
  cors.emplace_back("Vary", "Origin");

  if (upload) {
    if (request.method != "POST") {
      cors.emplace_back("Allow", "POST, OPTIONS");
      return deny(405, errc::not_supported, "method not allowed on /documents", std::move(cors));
    }
    if (document_media_type(request.content_type).empty()) {
      return deny(415, errc::unsupported_media_type,
                  "Content-Type must be application/pdf, application/ofd or "
                  "application/octet-stream",
                  std::move(cors));
    }
  } else {
    if (request.method != "GET" && request.method != "DELETE") {
      cors.emplace_back("Allow", "GET, DELETE, OPTIONS");
      return deny(405, errc::not_supported, "method not allowed on a document", std::move(cors));
    }
    if (document_id_of(request.target).empty()) {
      return deny(404, errc::not_found, "no such document", std::move(cors));
    }
  }
  decision.headers = std::move(cors);
  return decision;
}

gate_decision gate::preflight(const request_view& request) const {
  return preflight_for(request, "POST", {});
}

gate_decision gate::preflight_for(const request_view& request, std::string_view methods,
                                  std::string_view extra_headers) const {
  if (!request.has_origin || !origin_allowed(request.origin)) {
    // Vary here too: the answer depends on Origin, and a cache must not hand it to another.
    return deny(403, errc::origin_not_allowed, "preflight from an origin not in the allowlist",
                {{"Vary", "Origin"}});
  }
  header_list headers = {
      {"Access-Control-Allow-Origin", std::string(request.origin)},
      {"Access-Control-Allow-Methods", std::string(methods)},
      {"Access-Control-Allow-Headers",
       allowed_request_headers(request.access_control_request_headers, extra_headers)},
      {"Access-Control-Max-Age", "600"},
      {"Vary", "Origin"},
  };
  // Private Network Access: harmless to answer for an allowed origin, and older Chromium
  // builds still send the request header.
  if (iequals(trim(request.access_control_request_private_network), "true")) {
    headers.emplace_back("Access-Control-Allow-Private-Network", "true");
  }
  return deny(204, errc::internal, "preflight", std::move(headers));
}

gate_decision gate::check_websocket(const request_view& request) const {
  if (request.method != "GET") {
    return deny(405, errc::not_supported, "method not allowed on /ws", {{"Allow", "GET"}});
  }
  auto decision = check_api_origin(request);
  if (!decision.allowed) return decision;
  if (!request.is_websocket_upgrade) {
    return deny(426, errc::bad_request, "/ws requires a WebSocket upgrade",
                {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}});
  }
  return decision;
}

}  // namespace sealbridge::net
