#include "pdftotext_judge.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace pdftotext {
namespace {

std::string quoted(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

std::string run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
  const int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("failed: " + command);
  return text;
}

double attribute(std::string_view tag, std::string_view name) {
  const auto at = tag.find(std::string(name) + "=\"");
  if (at == std::string_view::npos) throw std::runtime_error("no " + std::string(name));
  return std::strtod(std::string(tag.substr(at + name.size() + 2)).c_str(), nullptr);
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    const auto end = s.find(';', i);
    const auto entity = s.substr(i, end - i + 1);
    out += entity == "&amp;" ? "&" : entity == "&lt;" ? "<" : entity == "&gt;" ? ">" : "\"";
    i = end;
  }
  return out;
}

}  // namespace

std::vector<word> words(const std::filesystem::path& pdf, int rotate) {
  if (rotate != 0 && rotate != 270) throw std::invalid_argument("rotation not handled");
  const std::string html = run("pdftotext -bbox " + quoted(pdf) + " - 2>/dev/null");
  std::vector<word> result;
  int page = 0;
  double width = 0;
  double height = 0;
  for (std::size_t at = 0; (at = html.find('<', at)) != std::string::npos;) {
    const auto close = html.find('>', at);
    const std::string_view tag(html.data() + at, close - at + 1);
    if (tag.substr(0, 6) == "<page ") {
      ++page;
      width = attribute(tag, "width");
      height = attribute(tag, "height");
    } else if (tag.substr(0, 6) == "<word ") {
      const auto end = html.find("</word>", close);
      word w{page, unescape(std::string_view(html).substr(close + 1, end - close - 1)), {}};
      const double x_min = attribute(tag, "xMin"), x_max = attribute(tag, "xMax");
      const double y_min = attribute(tag, "yMin"), y_max = attribute(tag, "yMax");
      if (rotate == 0) {
        w.box = {x_min, height - y_max, x_max, height - y_min};
      } else {  // shown turned by 270 degrees: display (x, y) is user (width - y, height - x)
        w.box = {width - y_max, height - x_max, width - y_min, height - x_min};
      }
      result.push_back(std::move(w));
    }
    at = close;
  }
  return result;
}

std::string layout_text(const std::filesystem::path& pdf, int page) {
  std::string range =
      page > 0 ? "-f " + std::to_string(page) + " -l " + std::to_string(page) + " " : "";
  return run("pdftotext -layout " + range + quoted(pdf) + " - 2>/dev/null");
}

}  // namespace pdftotext
