#include "net/gate.hpp"

#include <catch2/catch.hpp>
#include <string>

using sealbridge::errc;
using namespace sealbridge::net;

namespace {

constexpr std::uint16_t kPort = 16116;
const gate kGate(kPort, {"https://portal.example.com", "http://127.0.0.2:18080",
                         "HTTPS://Upper.Example.com:443/", "not an origin"});

std::string header_of(const gate_decision& d, const std::string& name) {
  for (const auto& [key, value] : d.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

request_view rpc_post(std::string_view origin) {
  request_view r;
  r.method = "POST";
  r.target = "/rpc";
  r.host = "127.0.0.1:16116";
  r.content_type = "application/json";
  r.origin = origin;
  r.has_origin = true;
  return r;
}

}  // namespace

TEST_CASE("Host must be a loopback name with our exact port") {
  CHECK(is_allowed_host("127.0.0.1:16116", kPort));
  CHECK(is_allowed_host("localhost:16116", kPort));
  CHECK(is_allowed_host("LOCALHOST:16116", kPort));
  CHECK(is_allowed_host("[::1]:16116", kPort));
  CHECK_FALSE(is_allowed_host("127.0.0.1", kPort));
  CHECK_FALSE(is_allowed_host("localhost", kPort));
  CHECK_FALSE(is_allowed_host("127.0.0.1:16117", kPort));
  CHECK_FALSE(is_allowed_host("127.0.0.1:016116", kPort));
  CHECK_FALSE(is_allowed_host("evil.com:16116", kPort));
  CHECK_FALSE(is_allowed_host("127.0.0.1.evil.com:16116", kPort));
  CHECK_FALSE(is_allowed_host("localhost.evil.com:16116", kPort));
  CHECK_FALSE(is_allowed_host("::1:16116", kPort));
  CHECK_FALSE(is_allowed_host("[::1]", kPort));
  CHECK_FALSE(is_allowed_host("[0:0:0:0:0:0:0:1]:16116", kPort));
  CHECK_FALSE(is_allowed_host("127.0.0.2:16116", kPort));
  CHECK_FALSE(is_allowed_host("", kPort));
  CHECK_FALSE(is_allowed_host("127.0.0.1:16116 ", kPort));
}

TEST_CASE("the gate rejects bad Host before anything else") {
  auto r = rpc_post("https://portal.example.com");
  r.host = "evil.com:16116";
  auto d = kGate.check(r);
  CHECK_FALSE(d.allowed);
  CHECK(d.status == 403);
  CHECK(d.code == errc::host_not_allowed);
  CHECK(header_of(d, "Access-Control-Allow-Origin") == "<absent>");

  r.host = "";
  d = kGate.check(r);
  CHECK(d.status == 400);
  CHECK(d.code == errc::host_not_allowed);

  request_view file;
  file.method = "GET";
  file.target = "/index.html";
  file.host = "localhost.evil.com:16116";
  CHECK(kGate.check(file).status == 403);
  file.host = "Localhost:16116";
  CHECK(kGate.check(file).allowed);
}

TEST_CASE("only origin-form targets are served") {
  auto r = rpc_post("https://portal.example.com");
  r.target = "http://evil.com/rpc";
  CHECK(kGate.check(r).status == 400);
  r.target = "*";
  CHECK(kGate.check(r).status == 400);
}

TEST_CASE("origins are normalized strictly") {
  CHECK(normalize_origin("https://portal.example.com") == "https://portal.example.com");
  CHECK(normalize_origin("HTTPS://Portal.Example.COM:443") == "https://portal.example.com");
  CHECK(normalize_origin("http://127.0.0.1:80") == "http://127.0.0.1");
  CHECK(normalize_origin("http://[::1]:16116") == "http://[::1]:16116");
  CHECK_FALSE(normalize_origin("null"));
  CHECK_FALSE(normalize_origin(""));
  CHECK_FALSE(normalize_origin("https://portal.example.com/"));
  CHECK_FALSE(normalize_origin("https://portal.example.com/path"));
  CHECK_FALSE(normalize_origin("https://user@portal.example.com"));
  CHECK_FALSE(normalize_origin("ftp://portal.example.com"));
  CHECK_FALSE(normalize_origin("https://portal.example.com:0"));
  CHECK_FALSE(normalize_origin("https://portal.example.com:99999"));
  CHECK_FALSE(normalize_origin("https://portal.example.com:"));
  CHECK_FALSE(normalize_origin("https://"));
  CHECK_FALSE(normalize_origin("portal.example.com"));
}

TEST_CASE("Origin must match the allowlist exactly") {
  CHECK(kGate.origin_allowed("https://portal.example.com"));
  CHECK(kGate.origin_allowed("http://127.0.0.2:18080"));
  // The configured entry is kept as browsers serialise it (case, default port, trailing
  // slash); requests must then match it byte for byte.
  CHECK(kGate.origin_allowed("https://upper.example.com"));
  CHECK_FALSE(kGate.origin_allowed("HTTPS://Upper.Example.com"));
  CHECK_FALSE(kGate.origin_allowed("https://portal.example.com:443"));
  CHECK_FALSE(kGate.origin_allowed("HTTPS://PORTAL.example.com"));
  CHECK_FALSE(kGate.origin_allowed("https://portal.example.com "));
  CHECK_FALSE(kGate.origin_allowed("https://portal.example.com/"));
  CHECK_FALSE(kGate.origin_allowed("https://portal.example.com:8443"));
  CHECK_FALSE(kGate.origin_allowed("http://portal.example.com"));
  CHECK_FALSE(kGate.origin_allowed("https://portal.example.com.evil.com"));
  CHECK_FALSE(kGate.origin_allowed("https://evilportal.example.com"));
  CHECK_FALSE(kGate.origin_allowed("https://sub.portal.example.com"));
  CHECK_FALSE(kGate.origin_allowed("https://portal.example.co"));
  CHECK_FALSE(kGate.origin_allowed("http://127.0.0.2:18081"));
  CHECK_FALSE(kGate.origin_allowed("null"));
  CHECK_FALSE(kGate.origin_allowed(""));
  CHECK_FALSE(kGate.origin_allowed("not an origin"));
}

TEST_CASE("the daemon's own origins are always allowed") {
  for (const char* origin :
       {"http://127.0.0.1:16116", "https://127.0.0.1:16116", "http://localhost:16116",
        "https://localhost:16116", "http://[::1]:16116", "https://[::1]:16116"}) {
    INFO(origin);
    CHECK(kGate.origin_allowed(origin));
  }
  CHECK_FALSE(kGate.origin_allowed("http://127.0.0.1:16117"));
  CHECK_FALSE(kGate.origin_allowed("http://127.0.0.1"));
}

TEST_CASE("POST /rpc from an allowed origin gets CORS headers, never *") {
  auto d = kGate.check(rpc_post("https://portal.example.com"));
  CHECK(d.allowed);
  CHECK(header_of(d, "Access-Control-Allow-Origin") == "https://portal.example.com");
  CHECK(header_of(d, "Vary") == "Origin");
}

TEST_CASE("POST /rpc from a disallowed origin is 403 without CORS headers") {
  for (const char* origin :
       {"https://portal.example.com.evil.com", "https://evilportal.example.com", "null",
        "https://portal.example.com/", ""}) {
    INFO(origin);
    auto d = kGate.check(rpc_post(origin));
    CHECK_FALSE(d.allowed);
    CHECK(d.status == 403);
    CHECK(d.code == errc::origin_not_allowed);
    CHECK(header_of(d, "Access-Control-Allow-Origin") == "<absent>");
  }
}

TEST_CASE("a missing Origin is accepted only from non-browser clients") {
  auto r = rpc_post("");
  r.has_origin = false;
  auto d = kGate.check(r);
  CHECK(d.allowed);
  CHECK(header_of(d, "Access-Control-Allow-Origin") == "<absent>");

  r.sec_fetch_site = "cross-site";
  d = kGate.check(r);
  CHECK(d.status == 403);
  CHECK(d.code == errc::origin_not_allowed);

  r.sec_fetch_site = "";
  r.sec_fetch_mode = "no-cors";
  CHECK(kGate.check(r).status == 403);
}

TEST_CASE("POST /rpc requires application/json") {
  auto r = rpc_post("https://portal.example.com");
  for (const char* ok : {"application/json", "application/json; charset=utf-8",
                         "Application/JSON;charset=UTF-8", " application/json "}) {
    INFO(ok);
    r.content_type = ok;
    CHECK(kGate.check(r).allowed);
  }
  for (const char* bad :
       {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json-patch+json", "application/jsonx", "text/json"}) {
    INFO(bad);
    r.content_type = bad;
    auto d = kGate.check(r);
    CHECK(d.status == 415);
    CHECK(d.code == errc::unsupported_media_type);
    // The page may read the error: its origin is allowed.
    CHECK(header_of(d, "Access-Control-Allow-Origin") == "https://portal.example.com");
  }
}

TEST_CASE("other methods on /rpc are 405 with Allow") {
  auto r = rpc_post("https://portal.example.com");
  r.method = "GET";
  auto d = kGate.check(r);
  CHECK(d.status == 405);
  CHECK(header_of(d, "Allow") == "POST, OPTIONS");
}

TEST_CASE("CORS preflight") {
  request_view r;
  r.method = "OPTIONS";
  r.target = "/rpc";
  r.host = "localhost:16116";
  r.origin = "https://portal.example.com";
  r.has_origin = true;
  r.access_control_request_method = "POST";
  r.access_control_request_headers = "content-type, X-Evil, Accept";

  SECTION("allowed origin gets 204 with the echoed origin") {
    auto d = kGate.check(r);
    CHECK_FALSE(d.allowed);
    CHECK(d.status == 204);
    CHECK(header_of(d, "Access-Control-Allow-Origin") == "https://portal.example.com");
    CHECK(header_of(d, "Access-Control-Allow-Methods") == "POST");
    CHECK(header_of(d, "Access-Control-Allow-Headers") == "Content-Type, accept");
    CHECK(header_of(d, "Access-Control-Max-Age") == "600");
    CHECK(header_of(d, "Vary") == "Origin");
    CHECK(header_of(d, "Access-Control-Allow-Private-Network") == "<absent>");
  }
  SECTION("private network access is answered when asked") {
    r.access_control_request_private_network = "true";
    auto d = kGate.check(r);
    CHECK(d.status == 204);
    CHECK(header_of(d, "Access-Control-Allow-Private-Network") == "true");
  }
  SECTION("disallowed origin gets 403 without CORS headers, only Vary: Origin") {
    r.origin = "https://portal.example.com.evil.com";
    r.access_control_request_private_network = "true";
    auto d = kGate.check(r);
    CHECK(d.status == 403);
    CHECK(d.code == errc::origin_not_allowed);
    REQUIRE(d.headers.size() == 1);
    CHECK(d.headers[0] == std::pair<std::string, std::string>{"Vary", "Origin"});
  }
  SECTION("a preflight without Origin is refused") {
    r.has_origin = false;
    r.origin = "";
    CHECK(kGate.check(r).status == 403);
  }
  SECTION("a preflight with a bad Host is refused") {
    r.host = "evil.com:16116";
    auto d = kGate.check(r);
    CHECK(d.status == 403);
    CHECK(d.code == errc::host_not_allowed);
  }
}

TEST_CASE("WebSocket upgrades pass Host and Origin checks") {
  request_view r;
  r.method = "GET";
  r.target = "/ws";
  r.host = "127.0.0.1:16116";
  r.origin = "http://127.0.0.2:18080";
  r.has_origin = true;
  r.is_websocket_upgrade = true;
  CHECK(kGate.check(r).allowed);

  r.origin = "http://127.0.0.2:18081";
  CHECK(kGate.check(r).status == 403);
  r.origin = "null";
  CHECK(kGate.check(r).status == 403);

  r.origin = "http://127.0.0.2:18080";
  r.host = "evil.com:16116";
  CHECK(kGate.check(r).code == errc::host_not_allowed);

  r.host = "127.0.0.1:16116";
  r.is_websocket_upgrade = false;
  CHECK(kGate.check(r).status == 426);
  r.method = "POST";
  CHECK(kGate.check(r).status == 405);
}

TEST_CASE("static files: any valid Host, GET and HEAD only, no CORS") {
  request_view r;
  r.method = "GET";
  r.target = "/app/index.html?v=1";
  r.host = "127.0.0.1:16116";
  r.origin = "https://evil.example";
  r.has_origin = true;
  auto d = kGate.check(r);
  CHECK(d.allowed);
  CHECK(d.headers.empty());
  r.method = "HEAD";
  CHECK(kGate.check(r).allowed);
  r.method = "PUT";
  d = kGate.check(r);
  CHECK(d.status == 405);
  CHECK(header_of(d, "Allow") == "GET, HEAD");
}

TEST_CASE("documents: upload and per-document routes") {
  request_view r;
  r.method = "POST";
  r.target = "/documents";
  r.host = "127.0.0.1:16116";
  r.origin = "https://portal.example.com";
  r.has_origin = true;
  for (const char* ok :
       {"application/pdf", "application/ofd", "application/octet-stream", "Application/PDF; x=1"}) {
    INFO(ok);
    r.content_type = ok;
    auto d = kGate.check(r);
    CHECK(d.allowed);
    CHECK(header_of(d, "Access-Control-Allow-Origin") == "https://portal.example.com");
  }
  for (const char* bad : {"", "text/plain", "application/json", "multipart/form-data"}) {
    INFO(bad);
    r.content_type = bad;
    auto d = kGate.check(r);
    CHECK(d.status == 415);
    CHECK(header_of(d, "Access-Control-Allow-Origin") == "https://portal.example.com");
  }
  r.content_type = "application/pdf";
  r.origin = "https://evil.example";
  CHECK(kGate.check(r).status == 403);
  r.origin = "https://portal.example.com";
  r.method = "GET";
  CHECK(kGate.check(r).status == 405);

  r.method = "OPTIONS";
  r.access_control_request_method = "POST";
  r.access_control_request_headers = "content-type, x-document-name";
  auto d = kGate.check(r);
  CHECK(d.status == 204);
  CHECK(header_of(d, "Access-Control-Allow-Methods") == "POST");
  CHECK(header_of(d, "Access-Control-Allow-Headers").find("X-Document-Name") != std::string::npos);

  r.target = "/documents/00112233445566778899aabbccddeeff";
  d = kGate.check(r);
  CHECK(d.status == 204);
  CHECK(header_of(d, "Access-Control-Allow-Methods") == "GET, DELETE");
  for (const char* method : {"GET", "DELETE"}) {
    r.method = method;
    CHECK(kGate.check(r).allowed);
  }
  r.method = "PUT";
  CHECK(kGate.check(r).status == 405);
  r.method = "GET";
  r.target = "/documents/../etc";
  CHECK(kGate.check(r).status == 404);
  r.target = "/documents/abc";
  r.origin = "https://evil.example";
  CHECK(kGate.check(r).status == 403);

  CHECK(document_id_of("/documents/abc123?x") == "abc123");
  CHECK(document_id_of("/documents/") == "");
  CHECK(document_id_of("/documents/a/b") == "");
  CHECK(document_media_type("application/pdf;charset=x") == "application/pdf");
  CHECK(document_media_type("application/pdfx").empty());
}

TEST_CASE("routes") {
  CHECK(route_of("/documents") == route::documents);
  CHECK(route_of("/documents/abc") == route::document);
  CHECK(route_of("/documentsx") == route::static_file);
  CHECK(route_of("/rpc") == route::rpc);
  CHECK(route_of("/rpc?x=1") == route::rpc);
  CHECK(route_of("/ws") == route::websocket);
  CHECK(route_of("/rpc/") == route::static_file);
  CHECK(route_of("/RPC") == route::static_file);
  CHECK(target_path("/a/b?c#d") == "/a/b");
}

TEST_CASE("the SDK under /sdk/: CORS for allowed origins, bytes for everyone") {
  request_view r;
  r.method = "GET";
  r.target = "/sdk/sealbridge.js?v=1";
  r.host = "127.0.0.1:16116";
  r.origin = "https://portal.example.com";
  r.has_origin = true;
  auto d = kGate.check(r);
  CHECK(d.allowed);
  CHECK(header_of(d, "Access-Control-Allow-Origin") == "https://portal.example.com");
  CHECK(header_of(d, "Vary") == "Origin");

  r.origin = "https://evil.example";
  d = kGate.check(r);
  CHECK(d.allowed);  // a classic <script> or a no-cors probe still loads it
  CHECK(header_of(d, "Access-Control-Allow-Origin") == "<absent>");
  CHECK(header_of(d, "Vary") == "Origin");

  r.has_origin = false;
  r.origin = {};
  d = kGate.check(r);
  CHECK(d.allowed);
  CHECK(header_of(d, "Access-Control-Allow-Origin") == "<absent>");

  r.method = "OPTIONS";
  r.origin = "https://portal.example.com";
  r.has_origin = true;
  r.access_control_request_method = "GET";
  r.access_control_request_private_network = "true";
  d = kGate.check(r);
  CHECK_FALSE(d.allowed);
  CHECK(d.status == 204);
  CHECK(header_of(d, "Access-Control-Allow-Origin") == "https://portal.example.com");
  CHECK(header_of(d, "Access-Control-Allow-Methods") == "GET, HEAD");
  CHECK(header_of(d, "Access-Control-Allow-Private-Network") == "true");
  r.origin = "https://evil.example";
  CHECK(kGate.check(r).status == 403);

  r.method = "POST";
  r.origin = "https://portal.example.com";
  CHECK(kGate.check(r).status == 405);
  CHECK(is_sdk_path("/sdk/x.js"));
  CHECK_FALSE(is_sdk_path("/sdkx.js"));
  CHECK_FALSE(is_sdk_path("/app/sdk/x.js"));
}
