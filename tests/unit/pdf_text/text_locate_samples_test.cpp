#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <qpdf/QPDF.hh>
#include <set>
#include <string>

#include "core/error.hpp"
#include "pdf_text/text_locate.hpp"
#include "pdftotext_judge.hpp"

using sealbridge::errc;
using sealbridge::pdf::find_text;

namespace {

std::filesystem::path sample(const char* name) {
  return std::filesystem::path(SEALBRIDGE_SAMPLES_DIR) / "pdf" / name;
}

struct verdict {
  int words = 0;
  int not_found = 0;
  double worst = 0;  // largest distance of a box side from pdftotext's, in points
  double total = 0;  // sum of those per word, for the mean
};

// Searches every word pdftotext reports on the page (all pages when 0) and measures our box
// against its box: the nearest of our hits on that page counts. For the words in
// `width_unknown` only the vertical sides count: their font gives no widths, and any reader
// can but guess them.
verdict judge(const char* name, int page = 0, int rotate = 0,
              std::set<std::string> width_unknown = {}) {
  QPDF pdf;
  pdf.setSuppressWarnings(true);
  pdf.processFile(sample(name).string().c_str());
  verdict v;
  for (const auto& w : pdftotext::words(sample(name), rotate)) {
    if (page != 0 && w.page != page) continue;
    const int pages[] = {w.page};
    ++v.words;
    double best = INFINITY;
    for (const auto& hit : find_text(pdf, w.text, pages)) {
      double d = 0;
      for (int i = 0; i < 4; ++i) {
        if (i % 2 == 0 && width_unknown.count(w.text)) continue;
        d = std::max(d, std::abs(hit.box[i] - w.box[i]));
      }
      best = std::min(best, d);
    }
    if (std::isinf(best)) {
      ++v.not_found;
      std::cout << "  not found: " << w.text << " on page " << w.page << "\n";
      continue;
    }
    if (best > 0.01) std::cout << "  " << w.text << " off by " << best << "\n";
    v.worst = std::max(v.worst, best);
    v.total += best;
  }
  std::cout << name << (page ? " page " + std::to_string(page) : std::string()) << ": " << v.words
            << " words, " << v.not_found << " not found, mean " << v.total / v.words
            << " pt, worst " << v.worst << " pt\n";
  return v;
}

}  // namespace

TEST_CASE("Chinese text in an embedded CID TrueType font matches pdftotext",
          "[pdf_text][samples]") {
  // The two emoji use a font whose /DescendantFonts is [null]: no metrics at all.
  const auto v = judge("linearized_chinese_table.pdf", 0, 0, {"⛳", "⭐"});
  CHECK(v.words >= 10);
  CHECK(v.not_found == 0);
  CHECK(v.worst < 1.0);

  const auto hits = find_text(sample("linearized_chinese_table.pdf"), "知识库简介");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].page == 1);
}

TEST_CASE("Latin text in simple TrueType fonts matches pdftotext", "[pdf_text][samples]") {
  const auto v = judge("simple_table_openoffice11.pdf");
  CHECK(v.words >= 5);
  CHECK(v.not_found == 0);
  CHECK(v.worst < 1.0);

  const auto page12 = judge("multipage_55p_openoffice31.pdf", 12);
  CHECK(page12.words >= 50);
  CHECK(page12.not_found == 0);
  CHECK(page12.worst < 1.0);
}

TEST_CASE("a word of page 12 is found on page 12 among 55", "[pdf_text][samples]") {
  const auto hits = find_text(sample("multipage_55p_openoffice31.pdf"), "Hiawatha;");
  bool on_12 = false;
  for (const auto& h : hits) on_12 = on_12 || h.page == 12;
  CHECK(on_12);
}

TEST_CASE("the OCR layer of a rotated scan matches pdftotext", "[pdf_text][samples]") {
  const auto v = judge("rotate270_scan_3heights.pdf", 0, 270);
  CHECK(v.words >= 100);
  CHECK(v.not_found == 0);
  CHECK(v.worst < 1.0);
}

TEST_CASE("unreadable files are pdf_invalid or io_error", "[pdf_text][samples]") {
  const auto garbage = std::filesystem::temp_directory_path() / "sealbridge-pdf-text-garbage.pdf";
  {
    std::ofstream out(garbage, std::ios::binary);
    out << "%PDF-1.7\nthis is not a PDF at all\n";
  }
  try {
    (void)find_text(garbage, "盖章");
    FAIL("garbage accepted");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == errc::pdf_invalid);
  }
  std::filesystem::remove(garbage);

  try {
    (void)find_text(sample("no_such_file.pdf"), "盖章");
    FAIL("missing file accepted");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == errc::io_error);
  }
}

TEST_CASE("measure every page of the 55-page document", "[.measure]") {
  judge("multipage_55p_openoffice31.pdf");
}
