#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <filesystem>
#include <qpdf/QPDF.hh>
#include <string>

#include "core/error.hpp"
#include "fixture_pdf.hpp"
#include "pdf_text/text_locate.hpp"
#include "pdftotext_judge.hpp"

using sealbridge::errc;
using sealbridge::pdf::find_text;

namespace {

// Written once per run, removed at exit.
class fixture_holder {
 public:
  fixture_holder()
      : path_(std::filesystem::temp_directory_path() /
              ("sealbridge-pdf-text-fixture-" + std::to_string(::getpid()) + ".pdf")) {
    fixture::write(path_);
  }
  ~fixture_holder() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  fixture_holder(const fixture_holder&) = delete;
  fixture_holder& operator=(const fixture_holder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

const std::filesystem::path& fixture_file() {
  static const fixture_holder holder;
  return holder.path();
}

void check_box(const std::array<double, 4>& got, const std::array<double, 4>& want, double tol) {
  for (int i = 0; i < 4; ++i) {
    INFO("coordinate " << i << ": got " << got[i] << ", want " << want[i]);
    CHECK(std::abs(got[i] - want[i]) <= tol);
  }
}

}  // namespace

TEST_CASE("pdftotext reads the fixture's text as written", "[pdf_text][fixture]") {
  const std::string page1 = pdftotext::layout_text(fixture_file(), 1);
  CHECK(page1.find("投标人（盖章）：") != std::string::npos);
  // Word spacing (Tw 5) widens the blank, which -layout shows as several.
  CHECK(page1.find("Bidder ") != std::string::npos);
  CHECK(page1.find(" (seal):") != std::string::npos);
  CHECK(page1.find("盖章处") != std::string::npos);
}

TEST_CASE("the Chinese keyword is found where the content stream placed it",
          "[pdf_text][fixture]") {
  const auto hits = find_text(fixture_file(), "投标人（盖章）：");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].page == 1);
  check_box(hits[0].box, fixture::kBidderSealZh, 1e-6);

  SECTION("and agrees with pdftotext's box of the same word") {
    bool judged = false;
    for (const auto& w : pdftotext::words(fixture_file())) {
      if (w.text != "投标人（盖章）：") continue;
      check_box(hits[0].box, w.box, 0.5);
      judged = true;
    }
    CHECK(judged);
  }
}

TEST_CASE("half-width punctuation and spaces in the keyword still match", "[pdf_text][fixture]") {
  for (const char* needle : {"投标人(盖章):", "投标人 （盖章）", "投 标 人(盖章)："}) {
    INFO(needle);
    const auto hits = find_text(fixture_file(), needle);
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].box[0] == Approx(fixture::kBidderSealZh[0]));
    CHECK(hits[0].box[1] == Approx(fixture::kBidderSealZh[1]));
  }
}

TEST_CASE("a simple font with kerning and word spacing", "[pdf_text][fixture]") {
  const auto hits = find_text(fixture_file(), "Bidder（seal）:");
  REQUIRE(hits.size() == 1);
  check_box(hits[0].box, fixture::kBidderSealEn, 1e-6);
  CHECK(find_text(fixture_file(), "bidder").empty());  // case matters
}

TEST_CASE("every occurrence in content order, Form XObjects and rotation included",
          "[pdf_text][fixture]") {
  const auto hits = find_text(fixture_file(), "盖章");
  REQUIRE(hits.size() == 4);
  CHECK(hits[0].page == 1);
  CHECK(hits[1].page == 1);
  CHECK(hits[2].page == 1);
  CHECK(hits[3].page == 2);
  check_box(hits[1].box,
            {fixture::kFormSealHere[0], fixture::kFormSealHere[1], 110, fixture::kFormSealHere[3]},
            1e-6);
  check_box(hits[2].box, fixture::kRotatedSeal, 1e-6);

  const auto here = find_text(fixture_file(), "盖章处");
  REQUIRE(here.size() == 2);
  check_box(here[0].box, fixture::kFormSealHere, 1e-6);
  check_box(here[1].box, fixture::kPage2SealHere, 1e-6);
}

TEST_CASE("pages limit the search", "[pdf_text][fixture]") {
  const int second[] = {2};
  const auto hits = find_text(fixture_file(), "盖章处", second);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].page == 2);

  const int both_reversed[] = {2, 1, 2};
  CHECK(find_text(fixture_file(), "盖章处", both_reversed).size() == 2);

  const int outside[] = {3};
  try {
    (void)find_text(fixture_file(), "盖章处", outside);
    FAIL("page 3 accepted");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == errc::bad_params);
  }
}

TEST_CASE("text that is not there gives no hit; an empty keyword is bad_params",
          "[pdf_text][fixture]") {
  CHECK(find_text(fixture_file(), "法定代表人").empty());
  // Text does not match across lines: line 1 ends with "：", line 2 starts with "Bid".
  CHECK(find_text(fixture_file(), "：Bid").empty());
  try {
    (void)find_text(fixture_file(), " \u3000 ");
    FAIL("empty keyword accepted");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == errc::bad_params);
  }
}

TEST_CASE("the QPDF overload searches a document opened by the caller", "[pdf_text][fixture]") {
  QPDF pdf;
  pdf.processFile(fixture_file().string().c_str());
  const auto hits = find_text(pdf, "投标人（盖章）");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].box[2] == Approx(156));
}
