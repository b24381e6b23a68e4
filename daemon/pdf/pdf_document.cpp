#include "pdf/pdf_document.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <qpdf/QPDFExc.hh>

#include "core/error.hpp"

namespace sealbridge::pdf {
namespace {

using file_ptr = std::unique_ptr<std::FILE, decltype(&std::fclose)>;

// Tail of the file: the last "startxref <n>" wins, as readers take it.
std::uint64_t parse_last_startxref(const std::string& tail) {
  const auto at = tail.rfind("startxref");
  if (at == std::string::npos)
    throw error(errc::pdf_invalid, "no startxref near the end of the file");
  std::size_t i = at + 9;
  while (i < tail.size() && std::isspace(static_cast<unsigned char>(tail[i]))) ++i;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  while (i < tail.size() && std::isdigit(static_cast<unsigned char>(tail[i])) && digits < 18) {
    value = value * 10 + static_cast<std::uint64_t>(tail[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0) throw error(errc::pdf_invalid, "startxref has no offset");
  return value;
}

std::array<double, 4> normalised_box(QPDFObjectHandle box, bool& ok) {
  ok = false;
  std::array<double, 4> out{};
  if (!box.isArray() || box.getArrayNItems() != 4) return out;
  for (int i = 0; i < 4; ++i) {
    auto item = box.getArrayItem(i);
    if (!item.isNumber()) return out;
    out[static_cast<std::size_t>(i)] = item.getNumericValue();
    if (!std::isfinite(out[static_cast<std::size_t>(i)])) return out;
  }
  ok = true;
  return {std::min(out[0], out[2]), std::min(out[1], out[3]), std::max(out[0], out[2]),
          std::max(out[1], out[3])};
}

// Inheritable page attributes (MediaBox, CropBox, Rotate) through /Parent, loop-safe.
QPDFObjectHandle inherited(QPDFObjectHandle page, const std::string& key) {
  QPDFObjectHandle node = page;
  for (int depth = 0; depth < 64 && node.isDictionary(); ++depth) {
    if (node.hasKey(key)) return node.getKey(key);
    node = node.getKey("/Parent");
  }
  return QPDFObjectHandle::newNull();
}

}  // namespace

void with_qpdf_errors(const std::function<void()>& body) {
  try {
    body();
  } catch (const error&) {
    throw;
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password) {
      throw error(errc::pdf_unsupported, "the PDF is encrypted");
    }
    throw error(errc::pdf_invalid, e.what());
  } catch (const std::bad_alloc&) {
    throw error(errc::pdf_invalid, "out of memory reading the PDF");
  } catch (const std::exception& e) {
    throw error(errc::pdf_invalid, e.what());
  }
}

std::string read_file_range(const std::filesystem::path& path, std::uint64_t offset,
                            std::size_t count) {
  file_ptr f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw error(errc::io_error, "cannot open " + path.filename().string());
  if (fseeko(f.get(), static_cast<off_t>(offset), SEEK_SET) != 0) {
    throw error(errc::io_error, "cannot seek in " + path.filename().string());
  }
  std::string out(count, '\0');
  out.resize(std::fread(out.data(), 1, count, f.get()));
  return out;
}

source_document::source_document(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  file_size_ = std::filesystem::file_size(path, ec);
  if (ec)
    throw error(errc::io_error, "cannot read " + path.filename().string() + ": " + ec.message());
  if (file_size_ < 32) throw error(errc::pdf_invalid, "file too small to be a PDF");
  const std::size_t tail_size = static_cast<std::size_t>(std::min<std::uint64_t>(file_size_, 2048));
  const std::string tail = read_file_range(path, file_size_ - tail_size, tail_size);
  if (tail.size() != tail_size) throw error(errc::io_error, "short read");
  ends_with_eol_ = tail.back() == '\n' || tail.back() == '\r';
  last_startxref_ = parse_last_startxref(tail);
  if (last_startxref_ >= file_size_)
    throw error(errc::pdf_invalid, "startxref beyond the end of the file");

  const std::string head = read_file_range(path, 0, 1024);
  if (head.find("%PDF-") == std::string::npos) throw error(errc::pdf_invalid, "no %PDF- header");

  const std::string at_xref = read_file_range(path, last_startxref_, 64);
  std::size_t i = 0;
  while (i < at_xref.size() && std::isspace(static_cast<unsigned char>(at_xref[i]))) ++i;
  if (at_xref.compare(i, 4, "xref") == 0) {
    last_xref_kind_ = xref_kind::table;
  } else if (i < at_xref.size() && std::isdigit(static_cast<unsigned char>(at_xref[i])) &&
             at_xref.find("obj", i) != std::string::npos) {
    last_xref_kind_ = xref_kind::stream;
  } else {
    throw error(errc::pdf_invalid, "startxref does not point at a cross-reference section");
  }

  with_qpdf_errors([&] {
    qpdf_.setSuppressWarnings(true);
    // Without recovery qpdf throws where it would otherwise rebuild the cross-reference
    // table: a file it had to repair would get an increment that other readers misplace.
    qpdf_.setAttemptRecovery(false);
    qpdf_.processFile(path.c_str());
    if (qpdf_.isEncrypted()) throw error(errc::pdf_unsupported, "the PDF is encrypted");
  });
  check_warnings();
}

void source_document::check_warnings() {
  if (!qpdf_.anyWarnings()) return;
  auto warnings = qpdf_.getWarnings();
  throw error(errc::pdf_invalid,
              "damaged PDF: " + (warnings.empty() ? std::string("warnings")
                                                  : warnings.front().getMessageDetail()));
}

int source_document::next_object_number() {
  long long next = 1;
  with_qpdf_errors([&] {
    next = std::max<long long>(next, int_or(trailer().getKey("/Size"), 1));
    for (const auto& [og, entry] : qpdf_.getXRefTable()) {
      next = std::max<long long>(next, static_cast<long long>(og.getObj()) + 1);
    }
  });
  if (next >= 8'000'000) throw error(errc::pdf_unsupported, "too many objects");
  return static_cast<int>(next);
}

QPDFObjectHandle source_document::catalog() {
  QPDFObjectHandle root;
  with_qpdf_errors([&] { root = trailer().getKey("/Root"); });
  if (!root.isIndirect() || !root.isDictionary())
    throw error(errc::pdf_invalid, "no document catalog");
  return root;
}

std::vector<QPDFObjectHandle> source_document::pages() {
  const std::vector<QPDFObjectHandle>* out = nullptr;
  with_qpdf_errors([&] { out = &qpdf_.getAllPages(); });
  check_warnings();
  if (out->empty()) throw error(errc::pdf_invalid, "the PDF has no pages");
  return *out;
}

long long int_or(QPDFObjectHandle value, long long fallback) {
  if (value.isInteger()) return value.getIntValue();
  if (value.isReal()) {
    const double d = value.getNumericValue();
    if (std::isfinite(d) && std::fabs(d) < 1e15) return static_cast<long long>(d);
  }
  return fallback;
}

page_box page_box_of(QPDFObjectHandle page) {
  page_box box;
  bool ok = false;
  box.media_box = normalised_box(inherited(page, "/MediaBox"), ok);
  // Viewers fall back to US Letter when the box is missing or broken.
  if (!ok || box.media_box[2] - box.media_box[0] < 1 || box.media_box[3] - box.media_box[1] < 1) {
    box.media_box = {0, 0, 612, 792};
  }
  box.crop_box = normalised_box(inherited(page, "/CropBox"), ok);
  if (!ok) box.crop_box = box.media_box;
  // The visible region is the crop box clipped to the media box.
  box.crop_box = {
      std::max(box.crop_box[0], box.media_box[0]), std::max(box.crop_box[1], box.media_box[1]),
      std::min(box.crop_box[2], box.media_box[2]), std::min(box.crop_box[3], box.media_box[3])};
  if (box.crop_box[2] - box.crop_box[0] < 1 || box.crop_box[3] - box.crop_box[1] < 1) {
    box.crop_box = box.media_box;
  }
  const long long rotate = int_or(inherited(page, "/Rotate"), 0);
  const long long normal = ((rotate % 360) + 360) % 360;
  box.rotate = normal % 90 == 0 ? static_cast<int>(normal) : 0;
  return box;
}

}  // namespace sealbridge::pdf
