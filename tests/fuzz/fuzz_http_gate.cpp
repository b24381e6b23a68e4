// Fuzz target: an HTTP request head as a client sends it, through Beast's parser (with the
// daemon's header limit) into the gate, the static-file resolver and the document routes. The
// gate may refuse anything; what it lets through and what it answers must keep its promises
// (docs/api.md, SECURITY.md): loopback Host with our port, exact Origin match, never ACAO "*".
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "net/gate.hpp"
#include "net/request_view_of.hpp"
#include "net/static_files.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using namespace sealbridge::net;

constexpr std::uint16_t kPort = 16116;
constexpr std::size_t kHeaderBytes = 8 * 1024;  // limits::header_bytes

const gate& rules() {
  static const gate instance(kPort, {"https://portal.example.com", "http://127.0.0.2:18080",
                                     "HTTPS://Upper.Example.com:443/", "not an origin"});
  return instance;
}

// A webroot with a file, a directory index and a secret beside it (never to be served).
const fs::path& webroot() {
  static const fs::path root = [] {
    auto base = fs::temp_directory_path() / ("sb-fuzz-gate-" + std::to_string(::getpid()));
    fs::create_directories(base / "webroot" / "sub");
    std::ofstream(base / "webroot" / "index.html") << "<html></html>";
    std::ofstream(base / "webroot" / "sub" / "index.html") << "<html></html>";
    std::ofstream(base / "webroot" / "app.js") << "1;";
    std::ofstream(base / "secret.txt") << "secret";
    return fs::canonical(base / "webroot");
  }();
  return root;
}

std::string_view header_of(const gate_decision& d, std::string_view name) {
  for (const auto& [key, value] : d.headers) {
    if (key == name) return value;
  }
  return {};
}

bool has_header(const gate_decision& d, std::string_view name) {
  for (const auto& [key, value] : d.headers) {
    if (key == name) return true;
  }
  return false;
}

void check_decision(const request_view& view, const gate_decision& d) {
  const auto where = route_of(view.target);
  const bool api = where != route::static_file;
  // Never a wildcard, and a granted origin is one of ours, byte for byte.
  if (has_header(d, "Access-Control-Allow-Origin")) {
    auto acao = header_of(d, "Access-Control-Allow-Origin");
    if (acao == "*" || !rules().origin_allowed(acao) || acao != view.origin) __builtin_trap();
  }
  if (has_header(d, "Access-Control-Allow-Private-Network") &&
      !has_header(d, "Access-Control-Allow-Origin")) {
    __builtin_trap();
  }
  if (d.allowed) {
    if (d.status != 200) __builtin_trap();
    if (view.target.empty() || view.target.front() != '/') __builtin_trap();
    if (!is_allowed_host(view.host, kPort)) __builtin_trap();
    if (api && view.has_origin && !rules().origin_allowed(view.origin)) __builtin_trap();
    if (api && !view.has_origin && (!view.sec_fetch_site.empty() || !view.sec_fetch_mode.empty())) {
      __builtin_trap();
    }
    switch (where) {
      case route::rpc:
        if (view.method != "POST" || !is_json_content_type(view.content_type)) __builtin_trap();
        break;
      case route::websocket:
        if (view.method != "GET" || !view.is_websocket_upgrade) __builtin_trap();
        break;
      case route::documents:
        if (view.method != "POST" || document_media_type(view.content_type).empty())
          __builtin_trap();
        break;
      case route::document:
        if (document_id_of(view.target).empty()) __builtin_trap();
        break;
      case route::static_file:
        if (view.method != "GET" && view.method != "HEAD") __builtin_trap();
        break;
    }
  } else {
    switch (d.status) {
      case 204:
        // Only a preflight from an allowed origin is answered with 204: for the API, and for
        // the SDK, which portal pages load as an ES module, in CORS mode.
        if (view.method != "OPTIONS" || !(api || is_sdk_path(view.target)) ||
            !rules().origin_allowed(view.origin))
          __builtin_trap();
        break;
      case 400:
      case 403:
      case 404:
      case 405:
      case 415:
      case 426:
        break;
      default:
        __builtin_trap();
    }
  }
  // Vary: Origin on every answer of an API route that got past Host (SECURITY.md item 14).
  // Refused preflights are left out: OPTIONS answers are not stored by HTTP caches.
  if (api && d.status != 400 && is_allowed_host(view.host, kPort) && where != route::websocket &&
      view.method != "OPTIONS" && header_of(d, "Vary") != "Origin") {
    __builtin_trap();
  }
}

void check_static(std::string_view target) {
  auto resolved = resolve_static_path(webroot(), target);
  if (resolved.status == 200) {
    // Whatever the spelling, a served file lies inside the webroot and is a regular file.
    auto file = fs::weakly_canonical(resolved.file);
    auto rel = file.lexically_relative(webroot());
    if (rel.empty() || *rel.begin() == ".." || !fs::is_regular_file(file)) __builtin_trap();
  } else if (resolved.status != 400 && resolved.status != 404) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The pure helpers see any bytes (a header value can hold anything Beast accepts).
  if (auto origin = normalize_origin(text)) {
    if (normalize_origin(*origin) != origin) __builtin_trap();  // canonical form is a fixpoint
  }
  (void)percent_decode(text);

  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kHeaderBytes));
  parser.eager(false);
  beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec == http::error::need_more) parser.put_eof(ec);
  if (!parser.is_header_done()) return 0;

  const auto& request = parser.get();
  const auto view = view_of(request);
  const auto decision = rules().check(view);
  check_decision(view, decision);
  if (decision.allowed && route_of(view.target) == route::static_file) {
    check_static(view.target);
  }
  return 0;
}
