#include "net/static_files.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace fs = std::filesystem;
using namespace sealbridge::net;

namespace {

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// webroot/{index.html, app.js, sub/index.html, img/a.PNG, out -> ../secret}, secret/key.txt
struct temp_site {
  temp_site() {
    std::random_device rd;
    base = fs::temp_directory_path() / ("sb-net-static-" + std::to_string(rd()));
    root = base / "webroot";
    write_file(root / "index.html", "<html></html>");
    write_file(root / "app.js", "1");
    write_file(root / "sub" / "index.html", "<p>");
    write_file(root / "img" / "a.PNG", "png");
    write_file(base / "secret" / "key.txt", "secret");
    fs::create_directory_symlink(base / "secret", root / "out");
  }
  ~temp_site() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  fs::path base;
  fs::path root;
};

}  // namespace

TEST_CASE("percent decoding") {
  CHECK(percent_decode("/a%20b") == "/a b");
  CHECK(percent_decode("%2e%2E") == "..");
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("%2"));
  CHECK_FALSE(percent_decode("%zz"));
}

TEST_CASE("static paths resolve inside the webroot") {
  temp_site site;
  auto root = fs::canonical(site.root);

  auto t = resolve_static_path(site.root, "/");
  CHECK(t.status == 200);
  CHECK(t.file == root / "index.html");
  CHECK(resolve_static_path(site.root, "/index.html?x=1").file == root / "index.html");
  CHECK(resolve_static_path(site.root, "/sub").file == root / "sub" / "index.html");
  CHECK(resolve_static_path(site.root, "/sub/").file == root / "sub" / "index.html");
  CHECK(resolve_static_path(site.root, "/app%2ejs").file == root / "app.js");
  CHECK(resolve_static_path(site.root, "//app.js").file == root / "app.js");
  CHECK(resolve_static_path(site.root, "/./app.js").status == 200);

  CHECK(resolve_static_path(site.root, "/missing.html").status == 404);
  CHECK(resolve_static_path(site.root, "/img").status == 404);  // directory without index.html
  CHECK(resolve_static_path({}, "/index.html").status == 404);
  CHECK(resolve_static_path(site.base / "nowhere", "/index.html").status == 404);
}

TEST_CASE("path traversal is refused") {
  temp_site site;
  for (const char* target :
       {"/../secret/key.txt", "/..", "/sub/../../secret/key.txt", "/%2e%2e/secret/key.txt",
        "/%2E%2E/secret/key.txt", "/.%2e/secret/key.txt", "/sub/%2e%2e%2f%2e%2e/secret/key.txt",
        "/..%5csecret%5ckey.txt", "/sub\\..\\index.html", "/index.html%00.js", "/C:/Windows",
        "/%zz", "relative.html", ""}) {
    INFO(target);
    CHECK(resolve_static_path(site.root, target).status == 400);
  }
  // A symlink out of the webroot resolves outside and is not served.
  CHECK(resolve_static_path(site.root, "/out/key.txt").status == 404);
  // Double encoding stays a literal, harmless file name.
  CHECK(resolve_static_path(site.root, "/%252e%252e/secret/key.txt").status == 404);
}

TEST_CASE("MIME types and headers") {
  CHECK(mime_type("a.html") == "text/html; charset=utf-8");
  CHECK(mime_type("a.js") == "text/javascript; charset=utf-8");
  CHECK(mime_type("a.mjs") == "text/javascript; charset=utf-8");
  CHECK(mime_type("a.css") == "text/css; charset=utf-8");
  CHECK(mime_type("a.json") == "application/json; charset=utf-8");
  CHECK(mime_type("a.PNG") == "image/png");
  CHECK(mime_type("a.svg") == "image/svg+xml");
  CHECK(mime_type("a.gif") == "image/gif");
  CHECK(mime_type("a.jpg") == "image/jpeg");
  CHECK(mime_type("a.ico") == "image/x-icon");
  CHECK(mime_type("a.woff2") == "font/woff2");
  CHECK(mime_type("a.wasm") == "application/wasm");
  CHECK(mime_type("a.txt") == "text/plain; charset=utf-8");
  CHECK(mime_type("a.exe") == "application/octet-stream");
  CHECK(mime_type("noext") == "application/octet-stream");

  auto find = [](const header_list& headers, const std::string& name) {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return std::string("<absent>");
  };
  auto html = static_headers("index.html", 16116);
  CHECK(find(html, "X-Content-Type-Options") == "nosniff");
  CHECK(find(html, "X-Frame-Options") == "DENY");
  CHECK(find(html, "Cache-Control") == "no-cache");
  auto csp = find(html, "Content-Security-Policy");
  CHECK(csp.find("default-src 'self'") != std::string::npos);
  CHECK(csp.find("ws://127.0.0.1:16116") != std::string::npos);
  CHECK(csp.find("wss://localhost:16116") != std::string::npos);
  CHECK(csp.find("img-src 'self' data:") != std::string::npos);

  auto js = static_headers("app.js", 16116);
  CHECK(find(js, "Cache-Control") == "no-cache");
  CHECK(find(js, "Content-Security-Policy") == "<absent>");
  auto png = static_headers("a.png", 16116);
  CHECK(find(png, "Cache-Control") == "<absent>");
  CHECK(find(png, "X-Content-Type-Options") == "nosniff");
}
