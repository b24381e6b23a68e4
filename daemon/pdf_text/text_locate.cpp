#include "pdf_text/text_locate.hpp"

#include <algorithm>
#include <new>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFSystemError.hh>
#include <string>

#include "core/error.hpp"
#include "pdf_text/content_reader.hpp"
#include "pdf_text/object_access.hpp"
#include "pdf_text/text_match.hpp"

namespace sealbridge::pdf {
namespace {

// A keyword of a portal is a few words; longer input is a mistake, not a search.
constexpr std::size_t kMaxNeedle = 1024;
constexpr int kMaxContentParts = 10000;

std::vector<int> page_numbers(std::span<const int> pages, int page_count) {
  std::vector<int> numbers;
  if (pages.empty()) {
    for (int n = 1; n <= page_count; ++n) numbers.push_back(n);
    return numbers;
  }
  for (int n : pages) {
    if (n < 1 || n > page_count) {
      throw error(errc::bad_params, "page " + std::to_string(n) + " is not in the document (" +
                                        std::to_string(page_count) + " pages)");
    }
    numbers.push_back(n);
  }
  // Occurrences count from the document's start whatever order the caller listed pages in.
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  return numbers;
}

// A page's content: one stream or an array of streams read as one (PDF 32000 7.8.2).
std::string page_content(QPDFObjectHandle page, work_budget& budget) {
  auto contents = dict_key(page, "/Contents");
  if (contents.isStream()) return stream_data(contents, budget);
  std::string all;
  if (!contents.isArray()) return all;
  const int n = std::min(contents.getArrayNItems(), kMaxContentParts);
  for (int i = 0; i < n; ++i) {
    all += stream_data(contents.getArrayItem(i), budget);
    all += '\n';
  }
  return all;
}

std::vector<text_hit> search(QPDF& pdf, std::string_view needle, std::span<const int> pages) {
  const std::u32string wanted = match_form(utf8_to_u32(needle));
  if (wanted.empty()) throw error(errc::bad_params, "the search text is empty");
  if (wanted.size() > kMaxNeedle) throw error(errc::bad_params, "the search text is too long");

  const std::vector<QPDFObjectHandle> all_pages = pdf.getAllPages();
  work_budget budget;
  content_reader reader(budget);
  std::vector<text_hit> hits;
  for (int number : page_numbers(pages, static_cast<int>(all_pages.size()))) {
    auto page = all_pages[static_cast<std::size_t>(number - 1)];
    auto resources = QPDFPageObjectHelper(page).getAttribute("/Resources", false);
    const auto glyphs = reader.read_page(page_content(page, budget), resources);
    for (const auto& box : find_in_glyphs(glyphs, wanted)) hits.push_back({number, box});
  }
  return hits;
}

}  // namespace

std::vector<text_hit> find_text(QPDF& pdf, std::string_view needle, std::span<const int> pages) {
  try {
    return search(pdf, needle, pages);
  } catch (const error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    // qpdf reports damage as QPDFExc, std::logic_error or std::runtime_error.
    throw error(errc::pdf_invalid, e.what());
  }
}

std::vector<text_hit> find_text(const std::filesystem::path& file, std::string_view needle,
                                std::span<const int> pages) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw error(errc::io_error, "not a readable file: " + file.filename().string());
  QPDF pdf;
  pdf.setSuppressWarnings(true);
  try {
    pdf.processFile(file.string().c_str());
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password)
      throw error(errc::pdf_unsupported, "the PDF is encrypted with a password");
    throw error(errc::pdf_invalid, e.what());
  } catch (const QPDFSystemError& e) {
    throw error(errc::io_error, e.what());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw error(errc::pdf_invalid, e.what());
  }
  return find_text(pdf, needle, pages);
}

}  // namespace sealbridge::pdf
