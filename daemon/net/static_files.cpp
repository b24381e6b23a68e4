#include "net/static_files.hpp"

#include <algorithm>
#include <array>
#include <system_error>

namespace sealbridge::net {
namespace fs = std::filesystem;
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool has_parent_segment(std::string_view path) noexcept {
  while (!path.empty()) {
    auto slash = path.find('/');
    if (path.substr(0, slash) == "..") return true;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return false;
}

bool is_within(const fs::path& root, const fs::path& candidate) {
  auto [root_end, ignored] =
      std::mismatch(root.begin(), root.end(), candidate.begin(), candidate.end());
  return root_end == root.end();
}

struct mime_entry {
  std::string_view extension;
  std::string_view type;
};

constexpr std::array<mime_entry, 14> kMimeTypes = {{
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
    {".gif", "image/gif"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".wasm", "application/wasm"},
}};

std::string lower_extension(const fs::path& file) {
  auto ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return ext;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = hex_value(text[i + 1]);
    int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

static_target resolve_static_path(const fs::path& webroot, std::string_view target) {
  auto path = target_path(target);
  if (path.empty() || path.front() != '/') return {400, {}};
  auto decoded = percent_decode(path);
  // Backslashes and colons are separators or drive prefixes on Windows; NUL truncates paths in
  // C APIs. None has a place in a URL path of ours.
  if (!decoded || decoded->find_first_of(std::string_view("\\:\0", 3)) != std::string::npos ||
      has_parent_segment(*decoded)) {
    return {400, {}};
  }
  if (webroot.empty()) return {404, {}};

  std::error_code ec;
  auto root = fs::canonical(webroot, ec);
  if (ec) return {404, {}};
  auto relative = std::string_view(*decoded);
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);

  auto candidate = root / fs::path(std::string(relative));
  if (fs::is_directory(candidate, ec)) candidate /= "index.html";
  // Symlinks are resolved here, so a link pointing outside the webroot is refused as well.
  auto resolved = fs::weakly_canonical(candidate, ec);
  if (ec || !is_within(root, resolved) || !fs::is_regular_file(resolved, ec)) return {404, {}};
  return {200, resolved};
}

std::string_view mime_type(const fs::path& file) {
  auto ext = lower_extension(file);
  if (ext == ".txt") return "text/plain; charset=utf-8";
  for (const auto& entry : kMimeTypes) {
    if (entry.extension == ext) return entry.type;
  }
  return "application/octet-stream";
}

header_list static_headers(const fs::path& file, std::uint16_t port) {
  auto ext = lower_extension(file);
  header_list headers = {
      {"Content-Type", std::string(mime_type(file))},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
  };
  bool html = ext == ".html" || ext == ".htm";
  if (html || ext == ".js" || ext == ".mjs") headers.emplace_back("Cache-Control", "no-cache");
  if (html) {
    auto p = std::to_string(port);
    headers.emplace_back(
        "Content-Security-Policy",
        "default-src 'self'; connect-src 'self' ws://127.0.0.1:" + p + " ws://localhost:" + p +
            " wss://127.0.0.1:" + p + " wss://localhost:" + p +
            "; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'");
  }
  return headers;
}

}  // namespace sealbridge::net
